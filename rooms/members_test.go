package rooms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMemberPages(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob", "carol", "dave")
	if _, err := f.svc.SetRole(ctx, "alice", r.ID, "bob", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.MemberPage(ctx, "carol", r.ID, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []MemberInfo{{ID: "alice", Username: "alice", DisplayName: "Alice", Role: RoleOwner},
		{ID: "bob", Username: "bob", DisplayName: "Bob", Role: RoleAdmin}}
	if fmt.Sprint(first.Members) != fmt.Sprint(want) || !first.HasMore {
		t.Errorf("first page = %+v, want %+v and more", first, want)
	}
	next, err := f.svc.MemberPage(ctx, "carol", r.ID, "bob", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Members) != 2 || next.Members[0].ID != "carol" || next.Members[1].Role != RoleMember || next.HasMore {
		t.Errorf("second page = %+v", next)
	}
	if _, err := f.svc.MemberPage(ctx, "carol", r.ID, "zed", 2); !errors.Is(err, errMemberCursor) {
		t.Errorf("after a non-member: %v", err)
	}
	if _, err := f.svc.MemberPage(ctx, "zed", r.ID, "", 2); !errors.Is(err, ErrNotMember) {
		t.Errorf("a non-member pages: %v", err)
	}
}

func TestBigRoomPayloadLeavesMembersOut(t *testing.T) {
	for _, n := range []int{MaxListedMembers, MaxListedMembers + 1} {
		r := Room{ID: "r", Type: TypeGroup, OwnerID: "u0"}
		for i := range n {
			r.Members = append(r.Members, fmt.Sprintf("u%d", i))
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		listed := strings.Contains(string(b), `"members":[`)
		if listed != (n <= MaxListedMembers) || !strings.Contains(string(b), fmt.Sprintf(`"memberCount":%d`, n)) {
			t.Errorf("%d members: listed %v in %.120s", n, listed, b)
		}
	}
}
