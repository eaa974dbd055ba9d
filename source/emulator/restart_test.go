package emulator

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	bolt "go.etcd.io/bbolt"
)

// TestCloseReleasesTheDataDirectory restarts emulators on one data
// directory: Close must have released the S3 file when it returns, kept what
// was written, and leave later deliveries harmless.
func TestCloseReleasesTheDataDirectory(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	start := func() (*Server, *s3.Client) {
		s, err := New(Config{DataDir: dir, Rate: -1, Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		endpoint, err := s.Start("127.0.0.1:0")
		if err != nil {
			s.Close()
			t.Fatal(err)
		}
		return s, bucketClient(endpoint)
	}
	for round := range 3 {
		s, c := start()
		if round == 0 {
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kept")}); err != nil {
				t.Fatal(err)
			}
		}
		key := "round-" + string(rune('0'+round))
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kept"), Key: aws.String(key),
			Body: strings.NewReader(key)}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for earlier := range round + 1 {
			want := "round-" + string(rune('0'+earlier))
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kept"), Key: aws.String(want)})
			if err != nil {
				t.Fatalf("round %d: %s: %v", round, want, err)
			}
			body, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if string(body) != want {
				t.Fatalf("round %d: %s holds %q", round, want, body)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: close: %v", round, err)
		}
		s.Deliver(time.Now()) // after Close: does nothing, touches no closed file
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: second close: %v", round, err)
		}
		// The file is free the moment Close returns: no wait for a lock.
		db, err := bolt.Open(filepath.Join(dir, s3Dir, s3ObjectsDB), 0o600, &bolt.Options{Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatalf("round %d: the S3 file is still held after Close: %v", round, err)
		}
		db.Close()
	}
}

// TestCloseLetsCallsInProgressFinish closes the emulator while an S3 upload
// is still sending its body: the call must complete against an open store
// before Close releases it.
func TestCloseLetsCallsInProgressFinish(t *testing.T) {
	dir := t.TempDir()
	s, endpoint := startServer(t, Config{DataDir: dir, Rate: -1})
	ctx := context.Background()
	if _, err := bucketClient(endpoint).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("the whole object ", 8<<10)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPut, endpoint+"/kept/late", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+KeyAlice+"/20260314/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	// The client sends the body only once the server's handler asks for it
	// (100 Continue): when the first write returns, the call is in progress.
	req.Header.Set("Expect", "100-continue")
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	if _, err := pw.Write([]byte(body[:len(body)/2])); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// Wait until Close has stopped listening: it is now waiting for the call.
	addr := strings.TrimPrefix(endpoint, "http://")
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	pw.Write([]byte(body[len(body)/2:]))
	pw.Close()
	if r := <-done; r.err != nil || r.status != http.StatusOK {
		t.Fatalf("upload during Close: %v, HTTP %d", r.err, r.status)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}

	_, endpoint2 := startServer(t, Config{DataDir: dir, Rate: -1})
	out, err := bucketClient(endpoint2).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kept"), Key: aws.String("late")})
	if err != nil {
		t.Fatalf("the object uploaded during Close is lost: %v", err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(got) != body {
		t.Fatalf("object holds %d bytes, want %d", len(got), len(body))
	}
}
