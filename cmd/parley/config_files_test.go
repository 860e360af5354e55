package main

import (
	"strings"
	"testing"
)

func TestFileLimitFlags(t *testing.T) {
	o, err := parse(t, nil)
	if err != nil || o.Files.MaxFileSize != 10<<20 || o.Files.MaxMessageSize != 25<<20 || !o.Files.Allows("application/pdf") || o.Files.Allows("text/html") {
		t.Fatalf("default file limits %+v, %v", o.Files, err)
	}
	o, err = parse(t, map[string]string{"ALLOWED_FILE_TYPES": "image/*, application/pdf"}, "--max-file-size", "1000", "--max-message-files-size", "3000")
	if err != nil || o.Files.MaxFileSize != 1000 || !o.Files.Allows("image/webp") || o.Files.Allows("text/plain") {
		t.Fatalf("file limits %+v, %v", o.Files, err)
	}
	for _, b := range []struct {
		args  []string
		names string
	}{
		{[]string{"--max-file-size", "0"}, "--max-file-size (PARLEY_MAX_FILE_SIZE)"},
		{[]string{"--max-file-size", "5000", "--max-message-files-size", "4000"}, "--max-message-files-size (PARLEY_MAX_MESSAGE_FILES_SIZE): must be at least"},
		{[]string{"--allowed-file-types", "pdf"}, `--allowed-file-types (PARLEY_ALLOWED_FILE_TYPES): "pdf" is not a media type`},
		{[]string{"--allowed-file-types", " , "}, "--allowed-file-types (PARLEY_ALLOWED_FILE_TYPES): names no type"},
		{[]string{"--max-message-files", "0"}, "--max-message-files (PARLEY_MAX_MESSAGE_FILES)"},
	} {
		if _, err := parse(t, nil, b.args...); err == nil || !strings.Contains(err.Error(), b.names) {
			t.Errorf("%v: error %v, want one naming %q", b.args, err, b.names)
		}
	}
}
