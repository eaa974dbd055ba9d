package emulator

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"time"
)

// keyValidity is how long a signing key signs digests before the next one
// takes over, as with CloudTrail's regional keys.
const keyValidity = 30 * 24 * time.Hour

// signingKey is one RSA key pair that signs digests.
type signingKey struct {
	priv        *rsa.PrivateKey
	der         []byte // the public key, PKCS#1 DER
	fingerprint string // hex MD5 of der
	Start, End  time.Time
}

func newSigningKey(priv *rsa.PrivateKey, start, end time.Time) *signingKey {
	der := x509.MarshalPKCS1PublicKey(&priv.PublicKey)
	sum := md5.Sum(der)
	return &signingKey{priv: priv, der: der, fingerprint: hex.EncodeToString(sum[:]), Start: start.UTC(), End: end.UTC()}
}

// keyRing holds every signing key used, the newest last.
type keyRing struct {
	keys []*signingKey
}

func generateKey(start time.Time) (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	return newSigningKey(priv, start, start.Add(keyValidity)), nil
}

func newKeyRing(now time.Time) (*keyRing, error) {
	k, err := generateKey(now.Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	return &keyRing{keys: []*signingKey{k}}, nil
}

// current returns the key that signs at now, rotating to a new key when the
// newest has expired; rotated reports a new key.
func (r *keyRing) current(now time.Time) (k *signingKey, rotated bool, err error) {
	last := r.keys[len(r.keys)-1]
	if !now.After(last.End) {
		return last, false, nil
	}
	k, err = generateKey(last.End)
	if err != nil {
		return nil, false, err
	}
	r.keys = append(r.keys, k)
	return k, true, nil
}

// writeDigests closes the digest period of every chain of the job's trail:
// the home region's chain of the trail's account always gets a digest,
// other chains once they have had log files.
func (s *Server) writeDigests(j *deliveryJob, now time.Time) error {
	t := &j.view
	end := now.Truncate(time.Second)
	home := chainKey(t.Account, t.HomeRegion)
	if _, ok := j.chains[home]; !ok {
		j.chains[home] = digestChain{Account: t.Account, Region: t.HomeRegion}
	}
	s.mu.Lock()
	key, rotated, err := s.signer.current(end)
	if rotated {
		s.saveKeysLocked()
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(j.chains)) {
		c := j.chains[k]
		objKey := digestKey(t, c.Account, c.Region, end)
		body := digestBody(t, &c, objKey, t.DigestStart, end, key.fingerprint)
		sum := sha256.Sum256(body)
		hashHex := hex.EncodeToString(sum[:])
		prevSig := c.LastSignature
		if prevSig == "" {
			prevSig = "null"
		}
		toSign := fmt.Sprintf("%s\n%s/%s\n%s\n%s", end.Format(timeFormat), t.Bucket, objKey, hashHex, prevSig)
		digest := sha256.Sum256([]byte(toSign))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key.priv, crypto.SHA256, digest[:])
		if err != nil {
			return fmt.Errorf("sign digest %s: %w", objKey, err)
		}
		sigHex := hex.EncodeToString(sig)
		meta := map[string]string{"signature": sigHex, "signature-algorithm": "SHA256withRSA"}
		if s.store == nil {
			return fmt.Errorf("write digest %s: no object store", objKey)
		}
		if err := s.store.PutObject(t.Bucket, objKey, meta, gzipBytes(body)); err != nil {
			return fmt.Errorf("write digest s3://%s/%s: %w", t.Bucket, objKey, err)
		}
		c.LastBucket, c.LastKey, c.LastSignature, c.LastHash = t.Bucket, objKey, sigHex, hashHex
		c.LogFiles = nil
		j.chains[k] = c
	}
	return nil
}

// digestBody writes a digest file's JSON the way CloudTrail does: fields in
// its order, slashes escaped.
func digestBody(t *trail, c *digestChain, objKey string, start, end time.Time, fingerprint string) []byte {
	var o objectWriter
	o.field("awsAccountId", c.Account)
	o.field("digestStartTime", start.UTC().Format(timeFormat))
	o.field("digestEndTime", end.UTC().Format(timeFormat))
	o.field("digestS3Bucket", t.Bucket)
	o.field("digestS3Object", objKey)
	o.field("digestPublicKeyFingerprint", fingerprint)
	o.field("digestSignatureAlgorithm", "SHA256withRSA")
	var newest, oldest any
	for _, f := range c.LogFiles {
		if n, ok := newest.(string); !ok || f.NewestEventTime > n {
			newest = f.NewestEventTime
		}
		if o, ok := oldest.(string); !ok || f.OldestEventTime < o {
			oldest = f.OldestEventTime
		}
	}
	o.field("newestEventTime", newest)
	o.field("oldestEventTime", oldest)
	if c.LastKey == "" {
		for _, f := range []string{"previousDigestS3Bucket", "previousDigestS3Object", "previousDigestHashValue",
			"previousDigestHashAlgorithm", "previousDigestSignature"} {
			o.field(f, nil)
		}
	} else {
		o.field("previousDigestS3Bucket", c.LastBucket)
		o.field("previousDigestS3Object", c.LastKey)
		o.field("previousDigestHashValue", c.LastHash)
		o.field("previousDigestHashAlgorithm", "SHA-256")
		o.field("previousDigestSignature", c.LastSignature)
	}
	files := c.LogFiles
	if files == nil {
		files = []digestLogFile{}
	}
	o.field("logFiles", files)
	return bytes.ReplaceAll(o.bytes(), []byte("/"), []byte(`\/`))
}
