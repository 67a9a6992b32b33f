package api

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/vigilhq/vigil/watchdog/logs"
)

// logs serves the last n lines of a service's log, and with follow=1 keeps
// streaming new lines (surviving copy-truncate rotation) until the client goes.
func (s *Server) logs(w http.ResponseWriter, r *http.Request) {
	path, err := s.sup.LogPath(r.PathValue("name"))
	if err != nil {
		writeServiceError(w, err)
		return
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	lines, err := logs.Tail(path, n)
	if err != nil && !os.IsNotExist(err) {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if r.URL.Query().Get("follow") != "1" {
		return
	}
	follow(w, r, path)
}

func follow(w http.ResponseWriter, r *http.Request, path string) {
	flusher, _ := w.(http.Flusher)
	var off int64
	if st, err := os.Stat(path); err == nil {
		off = st.Size()
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
		st, err := os.Stat(path)
		if err != nil {
			continue
		}
		if st.Size() < off {
			off = 0 // rotated (truncated)
		}
		if st.Size() == off {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		_, _ = f.Seek(off, io.SeekStart)
		n, _ := io.Copy(w, bufio.NewReader(io.LimitReader(f, st.Size()-off)))
		off += n
		f.Close()
	}
}
