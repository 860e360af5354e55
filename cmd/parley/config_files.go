package main

import (
	"flag"
	"mime"
	"strings"

	"github.com/parleychat/parley/internal/chat"
)

// fileOptions are the flags of message files, parsed into Config.Files by checkFiles.
type fileOptions struct {
	maxFileSize, maxMessageFilesSize, maxMessageFiles int64
	allowedTypes                                      string
}

// bindFiles declares the limits of the files customers and staff attach.
func (o *options) bindFiles(fs *flag.FlagSet) {
	d := chat.DefaultFileLimits()
	fs.Int64Var(&o.files.maxFileSize, "max-file-size", envInt("MAX_FILE_SIZE", d.MaxFileSize), "largest file a message may carry, in bytes (PARLEY_MAX_FILE_SIZE)")
	fs.Int64Var(&o.files.maxMessageFilesSize, "max-message-files-size", envInt("MAX_MESSAGE_FILES_SIZE", d.MaxMessageSize), "largest sum of one message's files, in bytes (PARLEY_MAX_MESSAGE_FILES_SIZE)")
	fs.Int64Var(&o.files.maxMessageFiles, "max-message-files", envInt("MAX_MESSAGE_FILES", int64(d.MaxFiles)), "most files one message may carry (PARLEY_MAX_MESSAGE_FILES)")
	fs.StringVar(&o.files.allowedTypes, "allowed-file-types", env("ALLOWED_FILE_TYPES", strings.Join(d.AllowedTypes, ",")),
		"comma-separated media types accepted as sniffed from the content, such as image/*,application/pdf (PARLEY_ALLOWED_FILE_TYPES)")
}

// checkFiles reports limits that make no sense and fills Config.Files.
func (o *options) checkFiles(bad func(flag, format string, args ...any)) {
	f := o.files
	if f.maxFileSize < 1 {
		bad("max-file-size", "must be a whole number of bytes of at least 1")
	}
	if f.maxMessageFilesSize < f.maxFileSize {
		bad("max-message-files-size", "must be at least --max-file-size (%d)", f.maxFileSize)
	}
	if f.maxMessageFiles < 1 || f.maxMessageFiles > 100 {
		bad("max-message-files", "must be a whole number from 1 to 100")
	}
	var types []string
	for _, t := range strings.Split(f.allowedTypes, ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if mt, _, err := mime.ParseMediaType(t); err != nil || mt != t || !strings.Contains(t, "/") {
			bad("allowed-file-types", "%q is not a media type such as image/png or image/*", t)
			continue
		}
		types = append(types, t)
	}
	if len(types) == 0 {
		bad("allowed-file-types", "names no type; give at least one")
	}
	o.Files = chat.FileLimits{MaxFileSize: f.maxFileSize, MaxMessageSize: f.maxMessageFilesSize, MaxFiles: int(f.maxMessageFiles), AllowedTypes: types}
}
