package emulator

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"time"
)

// trail is one CloudTrail trail with its logging and delivery state. It is
// persisted as JSON; pending events are not.
type trail struct {
	Name, HomeRegion, Account, Bucket, Prefix string
	SnsTopicName, KmsKeyID                    string
	IncludeGlobal, MultiRegion                bool
	Validation, Organization, Logging         bool
	Created, StartLogging, StopLogging        time.Time
	LatestDelivery, LatestDeliveryAttempt     time.Time
	LatestDigest                              time.Time
	LatestDeliveryError, LatestDigestError    string
	// OrganizationID is the organization an organization trail logs for.
	OrganizationID string
	// DigestStart is where the current digest period began.
	DigestStart time.Time
	// Chains holds the digest chain of each account and region, by chainKey.
	Chains map[string]*digestChain

	pending map[string][]*event // events awaiting delivery, by chainKey
}

// digestChain is the state of one account and region's digest chain: the
// last digest written and the log files delivered since.
type digestChain struct {
	Account, Region string
	LastBucket      string
	LastKey         string
	LastSignature   string
	LastHash        string
	LogFiles        []digestLogFile
}

// digestLogFile is one entry of a digest's logFiles.
type digestLogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

func chainKey(account, region string) string { return account + "/" + region }

func (t *trail) arn() string {
	return "arn:aws:cloudtrail:" + t.HomeRegion + ":" + t.Account + ":trail/" + t.Name
}

// globalSources are the services whose events are global service events.
var globalSources = map[string]bool{
	"iam.amazonaws.com": true, "signin.amazonaws.com": true, "sts.amazonaws.com": true,
	"cloudfront.amazonaws.com": true, "route53.amazonaws.com": true, "organizations.amazonaws.com": true,
}

// covers reports whether the trail logs ev: a management event of its
// account (any account of the organization for organization trails), in
// its region (any for multi-region trails), global service events only when
// included.
func (t *trail) covers(ev *event) bool {
	if ev.category != "Management" {
		return false
	}
	if ev.account != t.Account && !t.Organization {
		return false
	}
	if !t.MultiRegion && ev.region != t.HomeRegion {
		return false
	}
	return t.IncludeGlobal || !globalSources[ev.source]
}

// queueLocked queues a live event for every logging trail that covers it.
func (s *Server) queueLocked(ev *event) {
	for _, t := range s.trails {
		if !t.Logging || !t.covers(ev) {
			continue
		}
		if t.pending == nil {
			t.pending = make(map[string][]*event)
		}
		k := chainKey(ev.account, ev.region)
		t.pending[k] = append(t.pending[k], ev)
	}
}

// Deliver delivers every trail's pending events now, as CloudTrail does each
// DeliveryInterval, and closes the current digest period of every trail with
// log file validation, writing its digest files. Tests and the demo call it
// to see delivery without waiting. After Close it does nothing.
func (s *Server) Deliver(now time.Time) {
	s.deliver(now.UTC(), true)
}

// deliveryLoop delivers on a timer until the server is closed.
func (s *Server) deliveryLoop() {
	defer close(s.loopDone)
	tick := time.NewTicker(min(s.cfg.DeliveryInterval, s.cfg.DigestInterval))
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			s.deliver(s.cfg.Now().UTC(), false)
		}
	}
}

// deliveryJob is the work of one trail in one delivery: taken under s.mu,
// written without it (writing to S3 may record events, which takes s.mu).
type deliveryJob struct {
	t       *trail
	view    trail // copy of the fields that name objects
	pending map[string][]*event
	digest  bool
	chains  map[string]digestChain
}

// deliver writes pending log files and, when due (or forced), digests.
func (s *Server) deliver(now time.Time, forceDigest bool) {
	s.deliverMu.Lock()
	defer s.deliverMu.Unlock()
	if s.released {
		return
	}
	var jobs []*deliveryJob
	s.mu.Lock()
	for _, t := range s.trails {
		j := &deliveryJob{t: t, view: *t, pending: t.pending}
		t.pending = nil
		end := now.Truncate(time.Second)
		due := forceDigest || now.Sub(t.DigestStart) >= s.cfg.DigestInterval
		// Digest keys are named by their end second: a period must end in a
		// later second than the previous digest.
		fresh := t.LatestDigest.IsZero() || end.After(t.DigestStart.Truncate(time.Second))
		j.digest = t.Validation && due && fresh && (t.Logging || hasLogFiles(t))
		if len(j.pending) == 0 && !j.digest {
			continue
		}
		j.chains = make(map[string]digestChain)
		for k, c := range t.Chains {
			j.chains[k] = *c
		}
		jobs = append(jobs, j)
	}
	s.mu.Unlock()

	for _, j := range jobs {
		delivered, deliverErr := s.writeLogFiles(j, now)
		var digestErr error
		if j.digest {
			digestErr = s.writeDigests(j, now)
		}
		var deliverCode, digestCode string
		if deliverErr != nil {
			deliverCode = s.deliveryErrorCode(j.view.Bucket)
		}
		if digestErr != nil {
			digestCode = s.deliveryErrorCode(j.view.Bucket)
		}
		s.mu.Lock()
		t := j.t
		for k, evs := range j.pending {
			if !slices.Contains(delivered, k) {
				// Not written: keep for the next attempt.
				if t.pending == nil {
					t.pending = make(map[string][]*event)
				}
				t.pending[k] = append(evs, t.pending[k]...)
			}
		}
		if len(j.pending) > 0 {
			t.LatestDeliveryAttempt = now
			t.LatestDeliveryError = ""
			if deliverErr != nil {
				t.LatestDeliveryError = deliverCode
			} else {
				t.LatestDelivery = now
			}
		}
		if t.Chains == nil {
			t.Chains = make(map[string]*digestChain)
		}
		for k, c := range j.chains {
			c := c
			t.Chains[k] = &c
		}
		if j.digest {
			t.LatestDigestError = ""
			if digestErr != nil {
				t.LatestDigestError = digestCode
			} else {
				t.LatestDigest = now
				t.DigestStart = now.Truncate(time.Second)
			}
		}
		s.saveTrailsLocked()
		s.mu.Unlock()
		if deliverErr != nil {
			s.cfg.Logf("emulator: deliver trail %s: %v", j.view.Name, deliverErr)
		}
		if digestErr != nil {
			s.cfg.Logf("emulator: digest trail %s: %v", j.view.Name, digestErr)
		}
	}
}

// deliveryErrorCode is what GetTrailStatus reports for a failed delivery,
// as CloudTrail does: the S3 error code.
func (s *Server) deliveryErrorCode(bucket string) string {
	if s.store == nil || !s.store.BucketExists(bucket) {
		return "NoSuchBucket"
	}
	return "InternalError"
}

func hasLogFiles(t *trail) bool {
	for _, c := range t.Chains {
		if len(c.LogFiles) > 0 {
			return true
		}
	}
	return false
}

// accountPrefix is the start of a trail's keys for one account:
// [prefix/]AWSLogs/[o-id/]account/.
func accountPrefix(t *trail, account string) string {
	p := "AWSLogs/"
	if t.Organization {
		p += t.OrganizationID + "/"
	}
	p += account + "/"
	if t.Prefix != "" {
		p = t.Prefix + "/" + p
	}
	return p
}

// logFileKey is where CloudTrail puts a log file:
// [prefix/]AWSLogs/[o-id/]account/CloudTrail/region/YYYY/MM/DD/
// account_CloudTrail_region_YYYYMMDDTHHmmZ_<16 chars>.json.gz.
func logFileKey(t *trail, account, region string, at time.Time, id string) string {
	return accountPrefix(t, account) + path.Join("CloudTrail", region, at.Format("2006/01/02"),
		fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", account, region, at.Format("20060102T1504Z"), id))
}

// digestKey is where CloudTrail puts a digest file:
// [prefix/]AWSLogs/[o-id/]account/CloudTrail-Digest/region/YYYY/MM/DD/
// account_CloudTrail-Digest_region_trail_homeRegion_YYYYMMDDTHHMMSSZ.json.gz.
func digestKey(t *trail, account, region string, end time.Time) string {
	return accountPrefix(t, account) + path.Join("CloudTrail-Digest", region, end.Format("2006/01/02"),
		fmt.Sprintf("%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz", account, region, t.Name, t.HomeRegion, end.Format("20060102T150405Z")))
}

// fileID is the 16-character random part of a log file name.
func fileID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [16]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// gzipBytes compresses b as one gzip member.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// writeLogFiles writes one log file per account and region with pending
// events and adds each to its digest chain. It returns the chain keys
// written.
func (s *Server) writeLogFiles(j *deliveryJob, now time.Time) ([]string, error) {
	var done []string
	for _, k := range slices.Sorted(maps.Keys(j.pending)) {
		evs := j.pending[k]
		if len(evs) == 0 {
			continue
		}
		account, region := evs[0].account, evs[0].region
		var body bytes.Buffer
		body.WriteString(`{"Records":[`)
		oldest, newest := evs[0].time, evs[0].time
		for i, ev := range evs {
			if i > 0 {
				body.WriteByte(',')
			}
			body.Write(ev.raw)
			oldest, newest = minTime(oldest, ev.time), maxTime(newest, ev.time)
		}
		body.WriteString("]}")
		key := logFileKey(&j.view, account, region, now, fileID())
		if s.store == nil {
			return done, fmt.Errorf("write log file %s: no object store", key)
		}
		if err := s.store.PutObject(j.view.Bucket, key, nil, gzipBytes(body.Bytes())); err != nil {
			return done, fmt.Errorf("write log file s3://%s/%s: %w", j.view.Bucket, key, err)
		}
		sum := sha256.Sum256(body.Bytes())
		c := j.chains[k]
		c.Account, c.Region = account, region
		c.LogFiles = append(c.LogFiles, digestLogFile{
			S3Bucket: j.view.Bucket, S3Object: key, HashValue: hex.EncodeToString(sum[:]), HashAlgorithm: "SHA-256",
			NewestEventTime: newest.Format(timeFormat), OldestEventTime: oldest.Format(timeFormat),
		})
		j.chains[k] = c
		done = append(done, k)
	}
	return done, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
