// Package models embeds radflag's default model directories (one per task)
// into the binary, so that serve and classify run with no flag and no file
// outside the binary. Extract writes a task's directory to a cache directory
// keyed by the digest of its content, once; hugot then loads it from there.
package models

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
)

//go:embed all:pancreas all:ir_procedure
var files embed.FS

// Has says whether a default model is built in for task.
func Has(task string) bool {
	_, err := fs.Stat(files, path.Join(task, "model.onnx"))
	return err == nil
}

// Tasks lists the tasks with a built-in model.
func Tasks() []string {
	var out []string
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		if e.IsDir() && Has(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

// Extract writes the task's model directory under cacheDir (default: the
// user cache dir + "/radflag/models") as <task>-<digest12> and returns its
// path. A complete earlier extraction is reused.
func Extract(task, cacheDir string) (string, error) {
	if !Has(task) {
		return "", fmt.Errorf("no built-in model for task %q", task)
	}
	names, err := fs.Glob(files, task+"/*")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return "", fmt.Errorf("read embedded %s: %w", n, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	digest := hex.EncodeToString(h.Sum(nil))[:12]
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cacheDir = filepath.Join(base, "radflag", "models")
	}
	dir := filepath.Join(cacheDir, task+"-"+digest)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("create model cache: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, task+"-tmp-")
	if err != nil {
		return "", fmt.Errorf("create model cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, n := range names {
		b, _ := files.ReadFile(n)
		if err := os.WriteFile(filepath.Join(tmp, path.Base(n)), b, 0o644); err != nil {
			return "", fmt.Errorf("extract model: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), []byte(digest+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("extract model: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have won the race; use its copy if complete.
		if _, serr := os.Stat(filepath.Join(dir, ".complete")); serr == nil {
			return dir, nil
		}
		return "", errors.Join(fmt.Errorf("install model in cache: %w", err))
	}
	return dir, nil
}
