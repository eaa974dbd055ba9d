package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// bucketClient is an S3 client for alice that never retries.
func bucketClient(endpoint string) *s3.Client {
	return s3.NewFromConfig(testConfig(endpoint, KeyAlice, "us-east-1"), pathStyle)
}

// listKeys lists every key under prefix, in order.
func listKeys(t *testing.T, c *s3.Client, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix}); p.HasMorePages(); {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
	}
	return keys
}

// getObject returns an object's gunzipped body (which must be one gzip
// member) and its user metadata; found is false when it does not exist.
func getObject(ctx context.Context, c *s3.Client, bucket, key string) (body []byte, meta map[string]string, found bool, err error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		if errorCode(err) == "NoSuchKey" {
			return nil, nil, false, nil
		}
		return nil, nil, false, err
	}
	defer out.Body.Close()
	raw, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, nil, false, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, true, err
	}
	zr.Multistream(false)
	body, err = io.ReadAll(zr)
	if err != nil {
		return nil, nil, true, err
	}
	if rest, _ := io.ReadAll(zr); len(rest) > 0 {
		return nil, nil, true, fmt.Errorf("%s has more than one gzip member", key)
	}
	return body, out.Metadata, true, nil
}

type digestFile struct {
	AWSAccountID                string          `json:"awsAccountId"`
	DigestStartTime             string          `json:"digestStartTime"`
	DigestEndTime               string          `json:"digestEndTime"`
	DigestS3Bucket              string          `json:"digestS3Bucket"`
	DigestS3Object              string          `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string          `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string          `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string         `json:"newestEventTime"`
	OldestEventTime             *string         `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string         `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string         `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string         `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string         `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string         `json:"previousDigestSignature"`
	LogFiles                    []digestLogFile `json:"logFiles"`
}

// verifyChain validates a trail's digest chain for one account and region
// the way `aws cloudtrail validate-logs` does: starting from the newest
// digest, it checks each digest's signature with the public key
// ListPublicKeys gives for its fingerprint, each log file's SHA-256, and
// follows previousDigestS3Object back, checking the previous digest's hash.
// It returns what it found wrong and the number of log files it checked.
func verifyChain(t *testing.T, ct *cloudtrail.Client, c *s3.Client, bucket, digestPrefix string) (problems []string, logsChecked int) {
	t.Helper()
	ctx := context.Background()
	keys, err := ct.ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{
		StartTime: aws.Time(time.Now().Add(-24 * time.Hour)), EndTime: aws.Time(time.Now().Add(24 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	pub := map[string]*rsa.PublicKey{}
	for _, k := range keys.PublicKeyList {
		der := k.Value
		if sum := md5.Sum(der); hex.EncodeToString(sum[:]) != *k.Fingerprint {
			t.Fatalf("fingerprint %s is not the MD5 of the DER", *k.Fingerprint)
		}
		var err error
		if pub[*k.Fingerprint], err = x509.ParsePKCS1PublicKey(der); err != nil {
			t.Fatalf("public key is not PKCS#1 DER: %v", err)
		}
	}
	digests := listKeys(t, c, bucket, digestPrefix)
	if len(digests) == 0 {
		return []string{"no digests"}, 0
	}
	key := digests[len(digests)-1]
	var wantHash string
	for key != "" {
		body, meta, found, err := getObject(ctx, c, bucket, key)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			problems = append(problems, "digest missing: "+key)
			break
		}
		sum := sha256.Sum256(body)
		if wantHash != "" && hex.EncodeToString(sum[:]) != wantHash {
			problems = append(problems, "digest hash mismatch: "+key)
		}
		var d digestFile
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatalf("digest %s: %v", key, err)
		}
		prevSig := "null"
		if d.PreviousDigestSignature != nil {
			prevSig = *d.PreviousDigestSignature
		}
		toSign := d.DigestEndTime + "\n" + d.DigestS3Bucket + "/" + d.DigestS3Object + "\n" + hex.EncodeToString(sum[:]) + "\n" + prevSig
		signed := sha256.Sum256([]byte(toSign))
		sig, _ := hex.DecodeString(meta["signature"])
		k := pub[d.DigestPublicKeyFingerprint]
		if meta["signature-algorithm"] != "SHA256withRSA" || k == nil || rsa.VerifyPKCS1v15(k, crypto.SHA256, signed[:], sig) != nil {
			problems = append(problems, "digest signature invalid: "+key)
		}
		if d.DigestS3Object != key || d.DigestS3Bucket != bucket {
			problems = append(problems, "digest moved: "+key)
		}
		for _, f := range d.LogFiles {
			logsChecked++
			lb, _, found, err := getObject(ctx, c, f.S3Bucket, f.S3Object)
			if err != nil {
				problems = append(problems, "log file unreadable: "+f.S3Object)
				continue
			}
			if !found {
				problems = append(problems, "log file missing: "+f.S3Object)
				continue
			}
			if s := sha256.Sum256(lb); hex.EncodeToString(s[:]) != f.HashValue {
				problems = append(problems, "log file hash mismatch: "+f.S3Object)
			}
		}
		key = ""
		if d.PreviousDigestS3Object != nil {
			key, wantHash = *d.PreviousDigestS3Object, *d.PreviousDigestHashValue
		}
	}
	return problems, logsChecked
}

func TestTrailOperations(t *testing.T) {
	_, endpoint := startServer(t, Config{Rate: -1})
	ctx := context.Background()
	if _, err := bucketClient(endpoint).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail-bucket")}); err != nil {
		t.Fatal(err)
	}
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	create := func(name, bucket string) error {
		_, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: &name, S3BucketName: &bucket})
		return err
	}
	for _, name := range []string{"ab", "-trail", "trail-", "my--trail", "my._trail", "10.0.0.1", "has space", strings.Repeat("a", 129)} {
		if code := errorCode(create(name, "trail-bucket")); code != "InvalidTrailNameException" {
			t.Errorf("name %q: %s, want InvalidTrailNameException", name, code)
		}
	}
	if code := errorCode(create("main", "no-such-bucket")); code != "S3BucketDoesNotExistException" {
		t.Fatalf("missing bucket: %s", code)
	}
	out, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("trail-bucket"),
		S3KeyPrefix: aws.String("logs"), EnableLogFileValidation: aws.Bool(true), IsMultiRegionTrail: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"
	if aws.ToString(out.TrailARN) != arn || !aws.ToBool(out.LogFileValidationEnabled) || aws.ToString(out.S3KeyPrefix) != "logs" {
		t.Fatalf("created %+v", out)
	}
	if code := errorCode(create("main", "trail-bucket")); code != "TrailAlreadyExistsException" {
		t.Fatalf("duplicate: %s", code)
	}
	for _, name := range []string{"two", "three", "four", "five"} {
		if err := create(name, "trail-bucket"); err != nil {
			t.Fatal(err)
		}
	}
	if code := errorCode(create("six", "trail-bucket")); code != "MaximumNumberOfTrailsExceededException" {
		t.Fatalf("sixth trail: %s", code)
	}
	st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("main")})
	if err != nil || aws.ToBool(st.IsLogging) {
		t.Fatalf("status before logging: %v %+v", err, st)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	st, err = ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)})
	if err != nil || !aws.ToBool(st.IsLogging) || st.StartLoggingTime == nil || aws.ToString(st.TimeLoggingStarted) == "" {
		t.Fatalf("status while logging: %v %+v", err, st)
	}

	// Other regions: the multi-region trail shows as a shadow trail, by ARN
	// only, and cannot be changed there.
	eu := ctClient(endpoint, KeyAlice, "eu-west-1")
	d, err := eu.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil || len(d.TrailList) != 1 || aws.ToString(d.TrailList[0].HomeRegion) != "us-east-1" {
		t.Fatalf("shadow trails in eu-west-1: %v %+v", err, d)
	}
	d, err = eu.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)})
	if err != nil || len(d.TrailList) != 0 {
		t.Fatalf("without shadow trails: %v %+v", err, d)
	}
	if _, err := eu.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("main")}); errorCode(err) != "TrailNotFoundException" {
		t.Fatalf("by name in another region: %v", err)
	}
	if _, err := eu.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String(arn)}); errorCode(err) != "InvalidHomeRegionException" {
		t.Fatalf("stop from another region: %v", err)
	}
	d, err = ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{"main", "nope"}})
	if err != nil || len(d.TrailList) != 1 || aws.ToString(d.TrailList[0].Name) != "main" || !aws.ToBool(d.TrailList[0].IsMultiRegionTrail) {
		t.Fatalf("describe main: %v %+v", err, d)
	}
	l, err := eu.ListTrails(ctx, &cloudtrail.ListTrailsInput{})
	if err != nil || len(l.Trails) != 5 {
		t.Fatalf("list trails: %v %+v", err, l)
	}
	if _, err := ct.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String("two")}); err != nil {
		t.Fatal(err)
	}
	for _, op := range []func() error{
		func() error {
			_, err := ct.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String("two")})
			return err
		},
		func() error {
			_, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("ghost")})
			return err
		},
		func() error {
			_, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("ghost")})
			return err
		},
	} {
		if code := errorCode(op()); code != "TrailNotFoundException" {
			t.Fatalf("unknown trail: %s", code)
		}
	}
	// Trail calls are recorded with the trail as their resource.
	ev, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyResourceName, AttributeValue: aws.String("main")}}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ev.Events {
		names = append(names, *e.EventName)
	}
	if !slices.Equal(names, []string{"StopLogging", "StartLogging", "CreateTrail"}) {
		t.Fatalf("events of trail main: %v", names)
	}
}

var logKeyPattern = regexp.MustCompile(`^logs/AWSLogs/123456789012/CloudTrail/(us-east-1|eu-west-1)/\d{4}/\d{2}/\d{2}/123456789012_CloudTrail_(us-east-1|eu-west-1)_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$`)

func TestDeliveryAndDigests(t *testing.T) {
	s, endpoint := startServer(t, Config{Rate: -1})
	ctx := context.Background()
	sc := bucketClient(endpoint)
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail-bucket")}); err != nil {
		t.Fatal(err)
	}
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("trail-bucket"),
		S3KeyPrefix: aws.String("logs"), EnableLogFileValidation: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	// Calls in the trail's region (and a global one) are delivered; calls in
	// another region are not (the trail is single-region).
	if _, err := stsClient(endpoint, KeyDeploy).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctClient(endpoint, KeyAlice, "eu-west-1").ListTrails(ctx, &cloudtrail.ListTrailsInput{}); err != nil {
		t.Fatal(err)
	}
	first := time.Now().UTC()
	s.Deliver(first)

	logs := listKeys(t, sc, "trail-bucket", "logs/AWSLogs/123456789012/CloudTrail/")
	if len(logs) != 1 || !logKeyPattern.MatchString(logs[0]) || !strings.Contains(logs[0], "/us-east-1/"+first.Format("2006/01/02")+"/") {
		t.Fatalf("log files %v", logs)
	}
	body, _, _, err := getObject(ctx, sc, "trail-bucket", logs[0])
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Records []map[string]any
	}
	if err := json.Unmarshal(body, &file); err != nil || !bytes.HasPrefix(body, []byte(`{"Records":[{"eventVersion":"1.11",`)) {
		t.Fatalf("log file body %.200s: %v", body, err)
	}
	var names []string
	for _, r := range file.Records {
		names = append(names, r["eventName"].(string))
	}
	if !slices.Equal(names, []string{"StartLogging", "GetCallerIdentity", "DescribeTrails"}) {
		t.Fatalf("delivered %v", names)
	}

	digestPrefix := "logs/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/"
	digests := listKeys(t, sc, "trail-bucket", digestPrefix)
	want := digestPrefix + first.Format("2006/01/02") + "/123456789012_CloudTrail-Digest_us-east-1_main_us-east-1_" + first.Format("20060102T150405Z") + ".json.gz"
	if len(digests) != 1 || digests[0] != want {
		t.Fatalf("digests %v, want %s", digests, want)
	}
	dbody, meta, _, err := getObject(ctx, sc, "trail-bucket", digests[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(dbody, []byte(`{"awsAccountId":"123456789012","digestStartTime":"`)) || !bytes.Contains(dbody, []byte(`"digestS3Object":"logs\/AWSLogs\/`)) {
		t.Fatalf("digest body %s", dbody)
	}
	var d digestFile
	if err := json.Unmarshal(dbody, &d); err != nil {
		t.Fatal(err)
	}
	if d.PreviousDigestSignature != nil || d.PreviousDigestS3Object != nil || len(d.LogFiles) != 1 || d.LogFiles[0].S3Object != logs[0] ||
		d.DigestSignatureAlgorithm != "SHA256withRSA" || meta["signature-algorithm"] != "SHA256withRSA" || d.NewestEventTime == nil {
		t.Fatalf("first digest %s %v", dbody, meta)
	}

	// A second period chains to the first.
	if _, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	second := first.Add(time.Minute)
	s.Deliver(second)
	digests = listKeys(t, sc, "trail-bucket", digestPrefix)
	if len(digests) != 2 {
		t.Fatalf("digests after the second delivery: %v", digests)
	}
	dbody2, _, _, err := getObject(ctx, sc, "trail-bucket", digests[1])
	if err != nil {
		t.Fatal(err)
	}
	var d2 digestFile
	json.Unmarshal(dbody2, &d2)
	sum := sha256.Sum256(dbody)
	if aws.ToString(d2.PreviousDigestS3Object) != digests[0] || aws.ToString(d2.PreviousDigestHashValue) != hex.EncodeToString(sum[:]) ||
		aws.ToString(d2.PreviousDigestSignature) != meta["signature"] || d2.DigestStartTime != d.DigestEndTime {
		t.Fatalf("second digest does not chain: %s", dbody2)
	}
	st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("main")})
	if err != nil || st.LatestDeliveryTime == nil || st.LatestDigestDeliveryTime == nil || aws.ToString(st.LatestDeliveryError) != "" {
		t.Fatalf("status after delivery: %v %+v", err, st)
	}

	problems, checked := verifyChain(t, ct, sc, "trail-bucket", digestPrefix)
	if len(problems) != 0 || checked != 2 {
		t.Fatalf("valid chain: %v, %d log files checked", problems, checked)
	}

	// A tampered log file is detected.
	tampered := gzipBytes(bytes.Replace(body, []byte("DescribeTrails"), []byte("DescribeTrailz"), 1))
	if _, err := sc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("trail-bucket"), Key: &logs[0], Body: bytes.NewReader(tampered)}); err != nil {
		t.Fatal(err)
	}
	problems, _ = verifyChain(t, ct, sc, "trail-bucket", digestPrefix)
	if !slices.Equal(problems, []string{"log file hash mismatch: " + logs[0]}) {
		t.Fatalf("after tampering: %v", problems)
	}
	// A deleted digest is detected.
	if _, err := sc.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("trail-bucket"), Key: &digests[0]}); err != nil {
		t.Fatal(err)
	}
	problems, _ = verifyChain(t, ct, sc, "trail-bucket", digestPrefix)
	if !slices.Contains(problems, "digest missing: "+digests[0]) {
		t.Fatalf("after deleting a digest: %v", problems)
	}
}

func TestOrganizationAndMultiRegionKeys(t *testing.T) {
	s, endpoint := startServer(t, Config{Rate: -1})
	ctx := context.Background()
	sc := bucketClient(endpoint)
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("org-bucket")}); err != nil {
		t.Fatal(err)
	}
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("org"), S3BucketName: aws.String("org-bucket"),
		IsOrganizationTrail: aws.Bool(true), IsMultiRegionTrail: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("org")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctClient(endpoint, KeyAlice, "eu-west-1").ListTrails(ctx, &cloudtrail.ListTrailsInput{}); err != nil {
		t.Fatal(err)
	}
	s.Deliver(time.Now())
	keys := listKeys(t, sc, "org-bucket", "AWSLogs/")
	var regions []string
	for _, k := range keys {
		if !strings.HasPrefix(k, "AWSLogs/"+DefaultOrganizationID+"/123456789012/CloudTrail/") {
			t.Fatalf("key %s is not under the organization", k)
		}
		regions = append(regions, strings.Split(k, "/")[4])
	}
	if !slices.Equal(regions, []string{"eu-west-1", "us-east-1"}) {
		t.Fatalf("delivered regions %v (keys %v)", regions, keys)
	}
	// Without validation, no digests.
	if d := listKeys(t, sc, "org-bucket", "AWSLogs/"+DefaultOrganizationID+"/123456789012/CloudTrail-Digest/"); len(d) != 0 {
		t.Fatalf("digests without validation: %v", d)
	}
}
