package worker

import "github.com/radflag/radflag/pipeline"

// SetAfterPublish installs a hook run after each result is stored.
func SetAfterPublish(w *Worker, f func(*pipeline.Result)) { w.afterPublish = f }
