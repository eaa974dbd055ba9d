package lookup

import "testing"

func TestRegionList(t *testing.T) {
	got := regionList([]string{"us-east-1, eu-west-1", "", "us-east-1", " ap-south-1 "})
	want := []string{"us-east-1", "eu-west-1", "ap-south-1"}
	if len(got) != len(want) {
		t.Fatalf("regionList = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("regionList = %q, want %q", got, want)
		}
	}
}
