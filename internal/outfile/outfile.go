// Package outfile writes what a command produces to the path a user named, without
// destroying what was there: a regular file is replaced whole or not at all (a temporary
// file renamed over it, keeping its mode and owner), a symlink's target is written rather
// than the link, and a device, FIFO or socket (/dev/null, /dev/stdout, a pipe) is written to
// directly, never renamed over.
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Mode of a new file: readable by all, or by its owner only when it holds secrets.
const (
	Public  fs.FileMode = 0o644
	Private fs.FileMode = 0o600
)

// Write puts data at path. A new file gets mode newMode whatever the umask; an existing
// file keeps its mode and, where the process may, its owner. Errors name path as given.
func Write(path string, data []byte, newMode fs.FileMode) error {
	if err := write(path, data, newMode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func write(path string, data []byte, newMode fs.FileMode) error {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return replace(target, data, newMode, nil)
	case err != nil:
		return bare(err)
	case fi.IsDir():
		return errors.New("is a directory")
	case !fi.Mode().IsRegular():
		// A device, FIFO or socket: written to as it is.
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return bare(err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return bare(err)
		}
		return bare(f.Close())
	}
	return replace(target, data, fi.Mode().Perm(), fi)
}

// resolve follows symlinks to the file they name, which need not exist yet.
func resolve(path string) (string, error) {
	for range 40 {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink == 0) {
			return path, nil
		}
		if err != nil {
			return "", bare(err)
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", bare(err)
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", errors.New("too many levels of symbolic links")
}

// replace writes a temporary file beside target and renames it over target, so that a
// failed write leaves the old content. old, when set, is the file replaced: its owner is
// kept where the process may.
func replace(target string, data []byte, mode fs.FileMode, old fs.FileInfo) error {
	tmp, err := os.CreateTemp(filepath.Dir(target), ".wxpub-*")
	if err != nil {
		return bare(err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return bare(err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return bare(err)
	}
	if old != nil {
		if st, ok := old.Sys().(*syscall.Stat_t); ok {
			// Only root may give a file away; anyone else keeps their own.
			_ = tmp.Chown(int(st.Uid), int(st.Gid))
		}
	}
	if err := tmp.Close(); err != nil {
		return bare(err)
	}
	return bare(os.Rename(tmp.Name(), target))
}

// bare drops the path from an os error: the temporary file's name means nothing to the
// user, who is told the path they gave.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
