package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/wire"
)

// testUserStore is the contract every Store implementation passes. newStore
// may hand out stores that share one database, so every subtest makes its
// own ids and usernames and never assumes an empty store.
func testUserStore(t *testing.T, newStore func(t *testing.T) Store) {
	t.Run("CreateUserThenRead", func(t *testing.T) {
		t.Parallel()
		testUserStoreCreateThenRead(t, newStore(t))
	})
	t.Run("UserWithoutPassword", func(t *testing.T) {
		t.Parallel()
		testUserStoreWithoutPassword(t, newStore(t))
	})
	t.Run("UnknownUser", func(t *testing.T) {
		t.Parallel()
		testUserStoreUnknown(t, newStore(t))
	})
	t.Run("Conflicts", func(t *testing.T) {
		t.Parallel()
		testUserStoreConflicts(t, newStore(t))
	})
	t.Run("ConcurrentSameUsername", func(t *testing.T) {
		t.Parallel()
		testUserStoreConcurrentUsername(t, newStore(t))
	})
	t.Run("UsersByIDs", func(t *testing.T) {
		t.Parallel()
		testUserStoreByIDs(t, newStore(t))
	})
	t.Run("SearchUsers", func(t *testing.T) {
		t.Parallel()
		testUserStoreSearch(t, newStore(t))
	})
}

func testUserStoreCreateThenRead(t *testing.T, s Store) {
	ctx := context.Background()
	u := storeTestUser("r" + storeTestTag())
	u.DisplayName = "Zoë Reader"
	hash := []byte("$2a$10$abcdefghijklmnopqrstuv")
	if err := s.CreateUser(ctx, u, hash); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	got, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	storeTestSameUser(t, got, u)
	got, gotHash, err := s.AccountByUsername(ctx, u.Username)
	if err != nil {
		t.Fatalf("AccountByUsername: %v", err)
	}
	storeTestSameUser(t, got, u)
	if !bytes.Equal(gotHash, hash) {
		t.Errorf("hash = %q, want %q", gotHash, hash)
	}
}

func testUserStoreWithoutPassword(t *testing.T, s Store) {
	ctx := context.Background()
	u := storeTestUser("p" + storeTestTag())
	u.ID = "oidc|" + storeTestTag() // a provider's sub, not an ObjectId
	if err := s.CreateUser(ctx, u, nil); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	got, hash, err := s.AccountByUsername(ctx, u.Username)
	if err != nil {
		t.Fatalf("AccountByUsername: %v", err)
	}
	storeTestSameUser(t, got, u)
	if len(hash) != 0 {
		t.Errorf("hash = %q, want none", hash)
	}
}

func testUserStoreUnknown(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.UserByID(ctx, wire.NewID()); !errors.Is(err, ErrUserNotFound) {
		t.Errorf("UserByID(unknown) error = %v, want ErrUserNotFound", err)
	}
	if _, _, err := s.AccountByUsername(ctx, "n"+storeTestTag()); !errors.Is(err, ErrUserNotFound) {
		t.Errorf("AccountByUsername(unknown) error = %v, want ErrUserNotFound", err)
	}
}

func testUserStoreConflicts(t *testing.T, s Store) {
	ctx := context.Background()
	first := storeTestUser("c" + storeTestTag())
	if err := s.CreateUser(ctx, first, []byte("h1")); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	sameName := storeTestUser(first.Username)
	if err := s.CreateUser(ctx, sameName, []byte("h2")); !errors.Is(err, ErrUsernameTaken) {
		t.Errorf("CreateUser(taken username) error = %v, want ErrUsernameTaken", err)
	}
	sameID := storeTestUser("c" + storeTestTag())
	sameID.ID = first.ID
	if err := s.CreateUser(ctx, sameID, []byte("h3")); !errors.Is(err, ErrUserExists) {
		t.Errorf("CreateUser(taken id) error = %v, want ErrUserExists", err)
	}
	if _, err := s.UserByID(ctx, sameName.ID); !errors.Is(err, ErrUserNotFound) {
		t.Errorf("the refused user was stored: UserByID error = %v", err)
	}
	if _, _, err := s.AccountByUsername(ctx, sameID.Username); !errors.Is(err, ErrUserNotFound) {
		t.Errorf("the refused user was stored: AccountByUsername error = %v", err)
	}
	got, hash, err := s.AccountByUsername(ctx, first.Username)
	if err != nil {
		t.Fatalf("AccountByUsername: %v", err)
	}
	storeTestSameUser(t, got, first)
	if string(hash) != "h1" {
		t.Errorf("hash = %q, want the first user's", hash)
	}
}

func testUserStoreConcurrentUsername(t *testing.T, s Store) {
	ctx := context.Background()
	name := "k" + storeTestTag()
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() { errs[i] = s.CreateUser(ctx, storeTestUser(name), nil) })
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, ErrUsernameTaken):
			t.Errorf("CreateUser error = %v, want nil or ErrUsernameTaken", err)
		}
	}
	if created != 1 {
		t.Errorf("%d users created with one username, want 1", created)
	}
}

func testUserStoreByIDs(t *testing.T, s Store) {
	ctx := context.Background()
	var ids []string
	for range 3 {
		u := storeTestUser("i" + storeTestTag())
		if err := s.CreateUser(ctx, u, nil); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		ids = append(ids, u.ID)
	}
	got, err := s.UsersByIDs(ctx, []string{ids[2], wire.NewID(), ids[0]})
	if err != nil {
		t.Fatalf("UsersByIDs: %v", err)
	}
	if want := []string{ids[0], ids[2]}; !slices.Equal(storeTestSortedIDs(got), storeTestSorted(want)) {
		t.Errorf("UsersByIDs = %v, want %v", storeTestSortedIDs(got), storeTestSorted(want))
	}
	// A long list: more ids than one query may bind in some databases.
	long := slices.Clone(ids)
	for range 1200 {
		long = append(long, wire.NewID())
	}
	got, err = s.UsersByIDs(ctx, long)
	if err != nil {
		t.Fatalf("UsersByIDs(long list): %v", err)
	}
	if !slices.Equal(storeTestSortedIDs(got), storeTestSorted(ids)) {
		t.Errorf("UsersByIDs(long list) = %v, want %v", storeTestSortedIDs(got), storeTestSorted(ids))
	}
	if got, err := s.UsersByIDs(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("UsersByIDs(nil) = %v, %v; want none", got, err)
	}
}

func testUserStoreSearch(t *testing.T, s Store) {
	ctx := context.Background()
	prefix := "s" + storeTestTag()
	// Around the prefix range: a name one character short of the prefix, and
	// one whose last character is the next one up.
	stem, last := prefix[:len(prefix)-1], prefix[len(prefix)-1]
	next := last + 1
	if last == '9' {
		next = 'a'
	}
	names := []string{prefix + "c", prefix, prefix + "a", prefix + ".b", prefix + "b",
		stem, stem + string(rune(next)) + "a"}
	for _, name := range names {
		if err := s.CreateUser(ctx, storeTestUser(name), nil); err != nil {
			t.Fatalf("CreateUser(%s): %v", name, err)
		}
	}
	cases := []struct {
		prefix string
		limit  int
		want   []string
	}{
		{prefix, 10, []string{prefix, prefix + ".b", prefix + "a", prefix + "b", prefix + "c"}},
		{prefix, 2, []string{prefix, prefix + ".b"}},
		{prefix + "b", 10, []string{prefix + "b"}},
		{prefix + "z", 10, nil},
	}
	for _, c := range cases {
		got, err := s.SearchUsers(ctx, c.prefix, c.limit)
		if err != nil {
			t.Fatalf("SearchUsers(%q, %d): %v", c.prefix, c.limit, err)
		}
		var names []string
		for _, u := range got {
			names = append(names, u.Username)
		}
		if !slices.Equal(names, c.want) {
			t.Errorf("SearchUsers(%q, %d) = %v, want %v", c.prefix, c.limit, names, c.want)
		}
	}
}

// storeTestTag returns 10 random lowercase hex characters.
func storeTestTag() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func storeTestUser(username string) User {
	return User{ID: wire.NewID(), Username: username, DisplayName: "User " + username,
		CreatedAt: wire.Now().Add(-time.Hour)}
}

func storeTestSameUser(t *testing.T, got, want User) {
	t.Helper()
	if got.ID != want.ID || got.Username != want.Username || got.DisplayName != want.DisplayName ||
		!got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("user = %+v, want %+v", got, want)
	}
}

func storeTestSortedIDs(users []User) []string {
	ids := make([]string, 0, len(users))
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	return storeTestSorted(ids)
}

func storeTestSorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
