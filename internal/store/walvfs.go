package store

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// walVFSName is an SQLite VFS that is the default one except for the write-ahead log of a
// database opened through it: appends to the log are gathered in memory and written in runs
// of up to 120 KiB when SQLite syncs, reads, sizes or truncates the log, or when the next
// write is not the next byte. SQLite writes a frame of the log with two calls, its 24-byte
// header and its page, and the writer's group commit dirties a few pages for each message:
// measured end to end, the server made 17.6 write system calls per message, and the log's
// writes were a ninth of its CPU. On the virtual machines this project is measured on, a
// system call is dear. Through this VFS it makes 2.7 (docs/performance.md).
//
// Durability is unchanged: a commit is acknowledged only after SQLite synced the log, and
// the sync writes what was gathered first. Nor does any other connection read a gathered
// frame: SQLite publishes a commit's frames to the other connections (the wal-index in
// shared memory) after that sync. That holds with synchronous=FULL, where every commit
// syncs; with NORMAL a commit would be published unwritten, so the VFS is only for the
// store's writer, which opens with FULL and refuses to start without it (newBatcher).
// Readers use the default VFS.
const walVFSName = "parley-wal"

// walGather bounds what one log gathers before it writes: a transaction larger than that
// writes in runs of this size.
const walGather = 4 << 20

// walPiece is the most the default VFS writes with one call (see flush).
const walPiece = 120 << 10

var (
	walVFSOnce sync.Once
	walVFSErr  error
	walVFS     sqlite3.Tsqlite3_vfs
	realVFS    *sqlite3.Tsqlite3_vfs

	walMethodsMu sync.Mutex
	walMethods   = map[uintptr]uintptr{} // by the real methods they wrap

	walFiles sync.Map // the sqlite3_file of an open log → *walLog
)

// walLog is one open log's gathered writes: n bytes at buf, to go at offset off.
type walLog struct {
	real *sqlite3.Tsqlite3_io_methods
	buf  uintptr // C memory, walGather bytes, allocated with the first write
	n    int32
	off  int64
}

// registerWALVFS registers walVFSName once per process.
func registerWALVFS() error {
	walVFSOnce.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		def := sqlite3.Xsqlite3_vfs_find(tls, 0)
		if def == 0 {
			walVFSErr = errors.New("no default SQLite VFS")
			return
		}
		realVFS = (*sqlite3.Tsqlite3_vfs)(cMem(def))
		walVFS = *realVFS
		walVFS.FpNext = 0
		name, err := libc.CString(walVFSName)
		if err != nil {
			walVFSErr = err
			return
		}
		walVFS.FzName = name
		*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&walVFS.FxOpen)) = walOpen
		if rc := sqlite3.Xsqlite3_vfs_register(tls, uintptr(unsafe.Pointer(&walVFS)), 0); rc != sqlite3.SQLITE_OK {
			walVFSErr = fmt.Errorf("register the SQLite VFS %s: code %d", walVFSName, rc)
		}
	})
	return walVFSErr
}

// walOpen opens a file as the default VFS does; a write-ahead log gets methods that gather
// its appends. The file is the default VFS's own, so every other method is the default's.
func walOpen(tls *libc.TLS, pVfs, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	rc := callOpen(realVFS.FxOpen, tls, uintptr(unsafe.Pointer(realVFS)), zName, pFile, flags, pOutFlags)
	file := (*sqlite3.Tsqlite3_file)(cMem(pFile))
	if rc != sqlite3.SQLITE_OK || flags&sqlite3.SQLITE_OPEN_WAL == 0 || file.FpMethods == 0 {
		return rc
	}
	real := file.FpMethods
	walMethodsMu.Lock()
	m := walMethods[real]
	if m == 0 {
		if m = gatheringMethods(tls, (*sqlite3.Tsqlite3_io_methods)(cMem(real))); m == 0 {
			walMethodsMu.Unlock()
			callClose(file, tls, pFile)
			return sqlite3.SQLITE_NOMEM
		}
		walMethods[real] = m
	}
	walMethodsMu.Unlock()
	walFiles.Store(pFile, &walLog{real: (*sqlite3.Tsqlite3_io_methods)(cMem(real))})
	file.FpMethods = m
	return rc
}

// gatheringMethods is real with the methods that write, read, size or close the log
// replaced, in C memory, which SQLite's code may take for an address (a table on the Go
// heap fails the race detector's pointer checks); 0 if it cannot be allocated. It lives as
// long as the process: SQLite holds its address.
func gatheringMethods(tls *libc.TLS, real *sqlite3.Tsqlite3_io_methods) uintptr {
	p := libc.Xmalloc(tls, uint64(unsafe.Sizeof(*real)))
	if p == 0 {
		return 0
	}
	m := (*sqlite3.Tsqlite3_io_methods)(cMem(p))
	*m = *real
	*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&m.FxWrite)) = walWrite
	*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&m.FxRead)) = walRead
	*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&m.FxSync)) = walSync
	*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&m.FxTruncate)) = walTruncate
	*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&m.FxFileSize)) = walFileSize
	*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&m.FxFileControl)) = walFileControl
	*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&m.FxClose)) = walClose
	return p
}

func walOf(pFile uintptr) *walLog {
	w, _ := walFiles.Load(pFile)
	return w.(*walLog)
}

// flush writes what the log gathered, in pieces the default VFS takes whole: its write
// masks a length to 17 bits, and a longer one would come back short.
func (w *walLog) flush(tls *libc.TLS, pFile uintptr) int32 {
	for done := int32(0); done < w.n; {
		n := min(w.n-done, walPiece)
		if rc := callWrite(w.real.FxWrite, tls, pFile, w.buf+uintptr(done), n, w.off+int64(done)); rc != sqlite3.SQLITE_OK {
			w.n = 0
			return rc
		}
		done += n
	}
	w.n = 0
	return sqlite3.SQLITE_OK
}

// flushed is pFile's log with what it gathered written: the methods that read, sync, size
// or truncate the log, or pass it a file control, call it before the default VFS's own.
func flushed(tls *libc.TLS, pFile uintptr) (*walLog, int32) {
	w := walOf(pFile)
	return w, w.flush(tls, pFile)
}

func walWrite(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	w := walOf(pFile)
	if w.n > 0 && (iOfst != w.off+int64(w.n) || w.n+iAmt > walGather) {
		if rc := w.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if iAmt > walPiece {
		return callWrite(w.real.FxWrite, tls, pFile, zBuf, iAmt, iOfst)
	}
	if w.buf == 0 {
		if w.buf = libc.Xmalloc(tls, walGather); w.buf == 0 {
			return sqlite3.SQLITE_NOMEM
		}
	}
	if w.n == 0 {
		w.off = iOfst
	}
	libc.Xmemcpy(tls, w.buf+uintptr(w.n), zBuf, uint64(iAmt))
	w.n += iAmt
	return sqlite3.SQLITE_OK
}

func walRead(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	w, rc := flushed(tls, pFile)
	if rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&w.real.FxRead)))(tls, pFile, zBuf, iAmt, iOfst)
}

func walSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	w, rc := flushed(tls, pFile)
	if rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&w.real.FxSync)))(tls, pFile, flags)
}

func walTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	w, rc := flushed(tls, pFile)
	if rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&w.real.FxTruncate)))(tls, pFile, size)
}

func walFileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	w, rc := flushed(tls, pFile)
	if rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&w.real.FxFileSize)))(tls, pFile, pSize)
}

func walFileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	w, rc := flushed(tls, pFile)
	if rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&w.real.FxFileControl)))(tls, pFile, op, pArg)
}

// walClose writes what was gathered, closes the file and frees the gathering. A write that
// fails here is reported as the close's error, as the default VFS reports its own.
func walClose(tls *libc.TLS, pFile uintptr) int32 {
	w, rc := flushed(tls, pFile)
	if crc := (*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&w.real.FxClose)))(tls, pFile); rc == sqlite3.SQLITE_OK {
		rc = crc
	}
	if w.buf != 0 {
		libc.Xfree(tls, w.buf)
	}
	walFiles.Delete(pFile)
	return rc
}

func callWrite(fn uintptr, tls *libc.TLS, pFile, buf uintptr, n int32, off int64) int32 {
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&fn)))(tls, pFile, buf, n, off)
}

// callClose closes a file that its methods' table opened.
func callClose(file *sqlite3.Tsqlite3_file, tls *libc.TLS, pFile uintptr) {
	methods := (*sqlite3.Tsqlite3_io_methods)(cMem(file.FpMethods))
	(*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&methods.FxClose)))(tls, pFile)
	file.FpMethods = 0
}

func callOpen(fn uintptr, tls *libc.TLS, pVfs, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&fn)))(tls, pVfs, zName, pFile, flags, pOutFlags)
}

// cMem is the memory at p, an address SQLite handed over: memory of the C library's heap or
// of SQLite's own tables, which the Go collector neither moves nor frees. (Converting through
// a variable rather than with unsafe.Pointer(p) says so to go vet.)
func cMem(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
