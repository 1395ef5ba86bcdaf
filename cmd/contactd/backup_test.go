package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/sqlite"
)

// TestBackupWhileWriting: a backup taken while 4 clients write for 10 s
// (2 s with -short) restores to a database that passes the integrity and
// invariant checks and holds every write acknowledged before the backup
// began.
func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	addr := freeAddr(t)
	stop, _ := startServe(t, nil, "--sandbox", "--addr", addr, "--db", db)
	waitReady(t, "http://"+addr)
	token := sandboxToken(t)
	length := 10 * time.Second
	if testing.Short() {
		length = 2 * time.Second
	}

	type ack struct {
		id string
		at time.Time
	}
	var (
		mu   sync.Mutex
		acks []ack
		wg   sync.WaitGroup
	)
	end := time.Now().Add(length)
	contacts := []int64{1295148032, 1578864256}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(end); i++ {
				id := fmt.Sprintf("backup-test-%d-%d", w, i)
				body := fmt.Sprintf(`{"ContactID":%d,"Contact":{"Name":"Writer %d %d"}}`, contacts[w%2], w, i)
				req, _ := http.NewRequest("PUT", "http://"+addr+"/gateway/contact/contact", strings.NewReader(body))
				req.Header.Set("Authorization", token)
				req.Header.Set("X-Request-ID", id)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode == 200 {
					mu.Lock()
					acks = append(acks, ack{id, time.Now()})
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(length / 2)
	backup := filepath.Join(dir, "backup.db")
	began := time.Now()
	if out, err := runCmd(t, nil, "backup", "--db", db, backup); err != nil || !strings.Contains(out, "integrity and invariants checked") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	restored := filepath.Join(dir, "restored.db")
	if out, err := runCmd(t, nil, "restore", "--db", restored, backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := runCmd(t, nil, "restore", "--db", restored, backup); err == nil || !strings.Contains(out, "exists") {
		t.Fatalf("restore over a database: %v\n%s", err, out)
	}
	if err := sqlite.Verify(context.Background(), restored); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.Audit(context.Background(), contactd.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{}
	for _, r := range recs {
		held[r.RequestID] = true
	}
	before, after := 0, 0
	for _, a := range acks {
		if a.at.Before(began) {
			before++
			if !held[a.id] {
				t.Errorf("write %s, acknowledged before the backup began, is not in it", a.id)
			}
		} else {
			after++
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("%d writes acknowledged before the backup, %d after: the backup did not run among the writes", before, after)
	}
	t.Logf("%d writes acknowledged before the backup began, all in it; %d after", before, after)
}
