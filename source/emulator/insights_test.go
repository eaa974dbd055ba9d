package emulator

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// insightRecord is what a test checks of an Insights record.
type insightRecord struct {
	EventType      string         `json:"eventType"`
	EventCategory  string         `json:"eventCategory"`
	SharedEventID  string         `json:"sharedEventID"`
	UserIdentity   map[string]any `json:"userIdentity"`
	InsightDetails struct {
		State          string `json:"state"`
		EventSource    string `json:"eventSource"`
		EventName      string `json:"eventName"`
		InsightType    string `json:"insightType"`
		ErrorCode      string `json:"errorCode"`
		InsightContext struct {
			Statistics struct {
				Baseline        struct{ Average *float64 } `json:"baseline"`
				Insight         struct{ Average *float64 } `json:"insight"`
				InsightDuration *int                       `json:"insightDuration"`
			} `json:"statistics"`
			Attributions []struct {
				Attribute string `json:"attribute"`
			} `json:"attributions"`
		} `json:"insightContext"`
	} `json:"insightDetails"`
}

// lookupAll pages through LookupEvents and returns every event.
func lookupAll(t *testing.T, ct *cloudtrail.Client, in cloudtrail.LookupEventsInput) []types.Event {
	t.Helper()
	var out []types.Event
	for p := cloudtrail.NewLookupEventsPaginator(ct, &in); p.HasMorePages(); {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Events...)
	}
	return out
}

func TestInsightsLookup(t *testing.T) {
	_, endpoint := startServer(t, Config{Seed: 7, HistoryDays: 2, Rate: -1, Now: func() time.Time { return testNow }})
	ct := ctClient(endpoint, KeyAlice, "us-east-1")
	start, end := aws.Time(testNow.Add(-72*time.Hour)), aws.Time(testNow)

	insights := lookupAll(t, ct, cloudtrail.LookupEventsInput{EventCategory: types.EventCategoryInsight, StartTime: start, EndTime: end})
	// The built-in profile has two bursts in us-east-1: a Start and an End each.
	if len(insights) != 4 {
		t.Fatalf("%d Insights events in us-east-1, want 4", len(insights))
	}
	states := map[string][]string{} // sharedEventID -> states, newest first
	kinds := map[string]bool{}
	for _, e := range insights {
		var r insightRecord
		if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &r); err != nil {
			t.Fatal(err)
		}
		d := r.InsightDetails
		if r.EventType != "AwsCloudTrailInsight" || r.EventCategory != "Insight" || r.UserIdentity != nil {
			t.Errorf("%s: eventType %q, eventCategory %q, userIdentity %v", aws.ToString(e.EventId), r.EventType, r.EventCategory, r.UserIdentity)
		}
		if aws.ToString(e.EventName) != d.EventName || aws.ToString(e.EventSource) != d.EventSource || d.EventName == "" {
			t.Errorf("LookupEvents names %s %s, the record %s %s", aws.ToString(e.EventName), aws.ToString(e.EventSource), d.EventSource, d.EventName)
		}
		stats := d.InsightContext.Statistics
		if stats.Baseline.Average == nil || stats.Insight.Average == nil || *stats.Insight.Average <= *stats.Baseline.Average {
			t.Errorf("%s %s: statistics without a burst above the baseline", d.EventName, d.State)
		}
		if (d.State == "End") != (stats.InsightDuration != nil) || (d.State == "End") != (len(d.InsightContext.Attributions) > 0) {
			t.Errorf("%s %s: insightDuration %v, %d attributions", d.EventName, d.State, stats.InsightDuration, len(d.InsightContext.Attributions))
		}
		if (d.InsightType == "ApiErrorRateInsight") != (d.ErrorCode != "") {
			t.Errorf("%s: insightType %s with errorCode %q", d.EventName, d.InsightType, d.ErrorCode)
		}
		kinds[d.InsightType] = true
		states[r.SharedEventID] = append(states[r.SharedEventID], d.State)
	}
	for id, s := range states {
		if len(s) != 2 || s[0] != "End" || s[1] != "Start" {
			t.Errorf("insight %s: states %v, want End then Start (newest first)", id, s)
		}
	}
	if !kinds["ApiCallRateInsight"] || !kinds["ApiErrorRateInsight"] {
		t.Errorf("insight types %v", kinds)
	}

	// An attribute narrows Insights events; management lookups never see them.
	byName := lookupAll(t, ct, cloudtrail.LookupEventsInput{EventCategory: types.EventCategoryInsight, StartTime: start, EndTime: end,
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("RunInstances")}}})
	if len(byName) != 2 {
		t.Errorf("%d RunInstances Insights events, want 2", len(byName))
	}
	bySource := lookupAll(t, ct, cloudtrail.LookupEventsInput{EventCategory: types.EventCategoryInsight, StartTime: start, EndTime: end,
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("iam.amazonaws.com")}}})
	if len(bySource) != 2 {
		t.Errorf("%d iam.amazonaws.com Insights events, want 2", len(bySource))
	}
	byID := lookupAll(t, ct, cloudtrail.LookupEventsInput{EventCategory: types.EventCategoryInsight, StartTime: start, EndTime: end,
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventId, AttributeValue: insights[0].EventId}}})
	if len(byID) != 1 || aws.ToString(byID[0].EventId) != aws.ToString(insights[0].EventId) {
		t.Errorf("by EventId: %d events", len(byID))
	}
	for _, e := range lookupAll(t, ct, cloudtrail.LookupEventsInput{StartTime: start, EndTime: end}) {
		var r insightRecord
		if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &r); err != nil || r.EventCategory != "Management" {
			t.Fatalf("a management lookup returned %s (%v)", aws.ToString(e.CloudTrailEvent), err)
		}
	}
	if got := lookupAll(t, ctClient(endpoint, KeyAlice, "eu-west-1"), cloudtrail.LookupEventsInput{
		EventCategory: types.EventCategoryInsight, StartTime: start, EndTime: end}); len(got) != 2 {
		t.Errorf("%d Insights events in eu-west-1, want 2", len(got))
	}

	// With the insight category only EventId, EventName and EventSource are accepted.
	for _, key := range []types.LookupAttributeKey{types.LookupAttributeKeyUsername, types.LookupAttributeKeyReadOnly,
		types.LookupAttributeKeyResourceType, types.LookupAttributeKeyResourceName, types.LookupAttributeKeyAccessKeyId} {
		_, err := ctClientNoRetry(endpoint, KeyAlice, "us-east-1").LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
			EventCategory:    types.EventCategoryInsight,
			LookupAttributes: []types.LookupAttribute{{AttributeKey: key, AttributeValue: aws.String("x")}},
		})
		if errorCode(err) != "InvalidLookupAttributesException" {
			t.Errorf("insight lookup by %s: %v, want InvalidLookupAttributesException", key, err)
		}
	}
}
