package model

import "fmt"

// BlobRangeError reports a record location that lies outside its blob, which
// happens when a file changed on disk after it was read.
type BlobRangeError struct {
	Blob           string
	Offset, Length int
	Size           int
}

func (e *BlobRangeError) Error() string {
	return fmt.Sprintf("%s: record at %d+%d lies outside the %d bytes read; the file changed since it was loaded", e.Blob, e.Offset, e.Length, e.Size)
}
