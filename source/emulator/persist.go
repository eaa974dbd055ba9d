package emulator

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The files a DataDir holds for the core (S3 objects live beside them, kept
// by the S3 service).
const (
	historyFile = "history.jsonl" // one record per line, oldest first
	trailsFile  = "trails.json"
	keysFile    = "keys.json"
)

// persister writes the emulator's state under a data directory.
type persister struct {
	dir  string
	mu   sync.Mutex
	hist *os.File
	w    *bufio.Writer
}

func openPersister(dir string) (*persister, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open data dir: %w", err)
	}
	return &persister{dir: dir}, nil
}

// appendEvent adds one record to the history file.
func (p *persister) appendEvent(raw []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hist == nil {
		f, err := os.OpenFile(filepath.Join(p.dir, historyFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("append history: %w", err)
		}
		p.hist, p.w = f, bufio.NewWriter(f)
	}
	p.w.Write(raw)
	p.w.WriteByte('\n')
	return nil
}

// flush writes buffered history to the file.
func (p *persister) flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w == nil {
		return nil
	}
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("flush history: %w", err)
	}
	return nil
}

func (p *persister) close() error {
	err := p.flush()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hist != nil {
		if cerr := p.hist.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close history: %w", cerr)
		}
		p.hist, p.w = nil, nil
	}
	return err
}

// writeFile replaces a state file atomically.
func (p *persister) writeFile(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	tmp := filepath.Join(p.dir, name+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(p.dir, name)); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	return nil
}

// readFile loads a state file into v, reporting whether it existed.
func (p *persister) readFile(name string, v any) (bool, error) {
	b, err := os.ReadFile(filepath.Join(p.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load %s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("load %s: %w", name, err)
	}
	return true, nil
}

// storedKey is a signing key as keys.json holds it.
type storedKey struct {
	PrivateKey []byte // PKCS#1 DER
	Start, End time.Time
}

// load restores keys, trails and history from the data directory; it
// reports whether there was history (so it is not seeded again).
func (s *Server) load() (hadHistory bool, err error) {
	p := s.persist
	var keys []storedKey
	if ok, err := p.readFile(keysFile, &keys); err != nil {
		return false, err
	} else if ok && len(keys) > 0 {
		ring := &keyRing{}
		for _, k := range keys {
			priv, err := x509.ParsePKCS1PrivateKey(k.PrivateKey)
			if err != nil {
				return false, fmt.Errorf("load %s: %w", keysFile, err)
			}
			ring.keys = append(ring.keys, newSigningKey(priv, k.Start, k.End))
		}
		s.signer = ring
	}
	if _, err := p.readFile(trailsFile, &s.trails); err != nil {
		return false, err
	}
	b, err := os.ReadFile(filepath.Join(p.dir, historyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load %s: %w", historyFile, err)
	}
	var evs []*event
	bad := 0
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		ev, err := indexRecord(bytes.Clone(line))
		if err != nil {
			bad++
			continue
		}
		evs = append(evs, ev)
	}
	if bad > 0 {
		s.cfg.Logf("emulator: %s: skipped %d damaged lines", historyFile, bad)
	}
	s.history.add(evs)
	if n, dropped := s.history.stats(); dropped > 0 || bad > 0 || n < len(evs) {
		if err := s.rewriteHistory(); err != nil {
			return false, err
		}
	}
	return len(evs) > 0, nil
}

// rewriteHistory replaces the history file with the events kept.
func (s *Server) rewriteHistory() error {
	var buf bytes.Buffer
	for _, raw := range s.history.all() {
		buf.Write(raw)
		buf.WriteByte('\n')
	}
	tmp := filepath.Join(s.persist.dir, historyFile+".tmp")
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("rewrite history: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.persist.dir, historyFile)); err != nil {
		return fmt.Errorf("rewrite history: %w", err)
	}
	return nil
}

// saveTrailsLocked persists the trails; s.mu is held.
func (s *Server) saveTrailsLocked() {
	if s.persist == nil {
		return
	}
	if err := s.persist.writeFile(trailsFile, s.trails); err != nil {
		s.cfg.Logf("emulator: %v", err)
	}
}

// saveKeys persists the signing keys.
func (s *Server) saveKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saveKeysLocked()
}

func (s *Server) saveKeysLocked() {
	if s.persist == nil {
		return
	}
	keys := make([]storedKey, len(s.signer.keys))
	for i, k := range s.signer.keys {
		keys[i] = storedKey{PrivateKey: x509.MarshalPKCS1PrivateKey(k.priv), Start: k.Start, End: k.End}
	}
	if err := s.persist.writeFile(keysFile, keys); err != nil {
		s.cfg.Logf("emulator: %v", err)
	}
}

// closePersist flushes and closes the data directory's files.
func (s *Server) closePersist() error {
	if s.persist == nil {
		return nil
	}
	s.mu.Lock()
	s.saveTrailsLocked()
	s.mu.Unlock()
	return s.persist.close()
}
