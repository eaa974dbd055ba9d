package archive

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// DefaultCacheDir returns where lazytrail keeps downloaded objects:
// os.UserCacheDir()/lazytrail.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the cache directory: %w", err)
	}
	return filepath.Join(dir, "lazytrail"), nil
}

// objectCache keeps downloaded S3 objects, as stored (compressed), in files
// named by a hash of bucket, key and ETag, so a changed object is never read
// stale. Its size is capped: the least recently used files are removed
// beyond the cap. A file's modification time records its last use, so the
// order survives across runs. Safe for concurrent use.
type objectCache struct {
	dir string
	max int64

	mu     sync.Mutex
	lru    *list.List // of *objectCacheEntry, most recently used first
	byName map[string]*list.Element
	size   int64
}

type objectCacheEntry struct {
	name string
	size int64
}

// cacheTempPattern names files being written; they are renamed into place
// when complete, so a reader never sees a partial object.
const cacheTempPattern = ".tmp-*"

// staleTemp is how old a temporary file must be before opening the cache
// removes it as left over by a process that died while writing.
const staleTemp = time.Hour

// openObjectCache opens (creating it if needed) the object cache under dir,
// indexing the files already there by last use and evicting beyond max bytes.
func openObjectCache(dir string, max int64) (*objectCache, error) {
	dir = filepath.Join(dir, "s3")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open object cache: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open object cache: %w", err)
	}
	type found struct {
		name string
		size int64
		used time.Time
	}
	var files []found
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if ok, _ := filepath.Match(cacheTempPattern, e.Name()); ok {
			if time.Since(info.ModTime()) > staleTemp {
				os.Remove(filepath.Join(dir, e.Name()))
			}
			continue
		}
		if isCacheName(e.Name()) {
			files = append(files, found{e.Name(), info.Size(), info.ModTime()})
		}
	}
	slices.SortFunc(files, func(a, b found) int { return b.used.Compare(a.used) })
	c := &objectCache{dir: dir, max: max, lru: list.New(), byName: make(map[string]*list.Element)}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range files {
		c.byName[f.name] = c.lru.PushBack(&objectCacheEntry{f.name, f.size})
		c.size += f.size
	}
	c.evictLocked()
	return c, nil
}

// cacheName is the file name of an object version in the cache.
func cacheName(bucket, key, etag string) string {
	h := sha256.New()
	for _, s := range []string{bucket, key, etag} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func isCacheName(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// get returns the cached object called name. A miss is (nil, false, nil);
// an error means a cached file exists but could not be read.
func (c *objectCache) get(name string) ([]byte, bool, error) {
	path := filepath.Join(c.dir, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		c.forget(name) // evicted by another process
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read cached object: %w", err)
	}
	now := time.Now()
	os.Chtimes(path, now, now) // best effort: only orders eviction
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byName[name]; ok {
		c.lru.MoveToFront(el)
	} else {
		c.byName[name] = c.lru.PushFront(&objectCacheEntry{name, int64(len(data))})
		c.size += int64(len(data))
		c.evictLocked()
	}
	return data, true, nil
}

// put stores data as the object called name, evicting the least recently
// used objects beyond the cap. An object larger than the cap is not stored.
func (c *objectCache) put(name string, data []byte) error {
	if int64(len(data)) > c.max {
		return nil
	}
	f, err := os.CreateTemp(c.dir, cacheTempPattern)
	if err != nil {
		return fmt.Errorf("cache object: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(c.dir, name))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cache object: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byName[name]; ok {
		e := el.Value.(*objectCacheEntry)
		c.size += int64(len(data)) - e.size
		e.size = int64(len(data))
		c.lru.MoveToFront(el)
	} else {
		c.byName[name] = c.lru.PushFront(&objectCacheEntry{name, int64(len(data))})
		c.size += int64(len(data))
	}
	c.evictLocked()
	return nil
}

// forget drops name from the index after its file disappeared.
func (c *objectCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byName[name]; ok {
		c.size -= el.Value.(*objectCacheEntry).size
		c.lru.Remove(el)
		delete(c.byName, name)
	}
}

// evictLocked removes least recently used files until the cache fits its
// cap. c.mu must be held.
func (c *objectCache) evictLocked() {
	for c.size > c.max && c.lru.Len() > 0 {
		e := c.lru.Remove(c.lru.Back()).(*objectCacheEntry)
		delete(c.byName, e.name)
		c.size -= e.size
		os.Remove(filepath.Join(c.dir, e.name))
	}
}
