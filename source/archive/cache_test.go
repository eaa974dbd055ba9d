package archive

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestObjectCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c, err := openObjectCache(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	name := cacheName("bucket", "AWSLogs/1/x.json.gz", "etag1")
	if _, ok, err := c.get(name); ok || err != nil {
		t.Fatalf("get before put = %v, %v; want a miss", ok, err)
	}
	if err := c.put(name, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.get(name)
	if !ok || err != nil || string(got) != "hello" {
		t.Fatalf("get = %q, %v, %v; want hello", got, ok, err)
	}
	// A new object version has another name: never read stale.
	if _, ok, _ := c.get(cacheName("bucket", "AWSLogs/1/x.json.gz", "etag2")); ok {
		t.Fatal("a changed ETag hit the cache")
	}
	// Another run finds it.
	c2, err := openObjectCache(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := c2.get(name); !ok || string(got) != "hello" {
		t.Fatalf("reopened get = %q, %v", got, ok)
	}
}

func TestObjectCacheEvictsLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	c, err := openObjectCache(dir, 30)
	if err != nil {
		t.Fatal(err)
	}
	blob := bytes.Repeat([]byte("x"), 10)
	a, b, d, e := cacheName("b", "a", ""), cacheName("b", "b", ""), cacheName("b", "d", ""), cacheName("b", "e", "")
	for _, n := range []string{a, b, d} {
		if err := c.put(n, blob); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := c.get(a); !ok { // a becomes the most recently used
		t.Fatal("a missing")
	}
	if err := c.put(e, blob); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{a: true, b: false, d: true, e: true} {
		if _, ok, _ := c.get(n); ok != want {
			t.Errorf("after eviction, cached(%s) = %v, want %v", n[:8], ok, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "s3", b)); !os.IsNotExist(err) {
		t.Errorf("evicted file still on disk: %v", err)
	}
	if got := diskBytes(t, dir); got != 30 {
		t.Errorf("cache holds %d bytes, want 30", got)
	}
	if err := c.put(cacheName("b", "huge", ""), bytes.Repeat([]byte("y"), 31)); err != nil {
		t.Fatal(err)
	}
	if got := diskBytes(t, dir); got != 30 {
		t.Errorf("an object over the cap was stored: %d bytes", got)
	}
}

func TestObjectCacheOpenKeepsRecentAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "s3")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	old, recent := cacheName("b", "old", ""), cacheName("b", "recent", "")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, n := range []string{old, recent} {
		p := filepath.Join(sub, n)
		if err := os.WriteFile(p, []byte("0123456789"), 0o600); err != nil {
			t.Fatal(err)
		}
		when := base.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
	stale := filepath.Join(sub, ".tmp-123")
	if err := os.WriteFile(stale, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(stale, base, base); err != nil {
		t.Fatal(err)
	}
	c, err := openObjectCache(dir, 15)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.get(old); ok {
		t.Error("the least recently used file survived opening over the cap")
	}
	if _, ok, _ := c.get(recent); !ok {
		t.Error("the most recently used file was evicted")
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file kept: %v", err)
	}
}

// diskBytes returns the size of the files in the cache under dir.
func diskBytes(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "s3"))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		n += info.Size()
	}
	return n
}
