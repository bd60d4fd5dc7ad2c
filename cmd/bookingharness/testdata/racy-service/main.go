// Command racy-service is a small booking service with a planted check-then-insert race, as
// a team might write one: SELECT the slot, POST to Cal.com, INSERT — no constraint, no lock,
// any 2xx stored. The black-box gate must name its race in every run, however the requests
// happen to be scheduled (gate_race_test.go). It knows nothing of the harness beyond the
// contract. Not an example to copy.
//
//	go build -o racy-service ./cmd/bookingharness/testdata/racy-service
//	RACY_SERVICE=$PWD/racy-service bookingharness gate --sut cmd/bookingharness/testdata/racy-service/sut.yaml
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

const schema = `CREATE TABLE IF NOT EXISTS appointments (id bigserial PRIMARY KEY, call_id text, booking_uid text,
	event_type_id bigint NOT NULL, host_id bigint NOT NULL, starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL,
	live boolean NOT NULL DEFAULT true)`

type service struct {
	db             *pgxpool.Pool
	calcom, apiKey string
	http           *http.Client
}

type bookRequest struct {
	CallID      string    `json:"call_id"`
	EventTypeID int64     `json:"event_type_id"`
	Start       time.Time `json:"start"`
	Attendee    struct {
		Name     string `json:"name"`
		Email    string `json:"email"`
		TimeZone string `json:"time_zone"`
	} `json:"attendee"`
}

type answer struct {
	Outcome       string  `json:"outcome"`
	AppointmentID *int64  `json:"appointment_id"`
	BookingUID    *string `json:"booking_uid"`
	Reason        string  `json:"reason,omitempty"`
}

func main() {
	ctx := context.Background()
	db, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec(ctx, schema); err != nil {
		log.Fatal(err)
	}
	s := &service{db: db, calcom: os.Getenv("CALCOM_BASE_URL"), apiKey: os.Getenv("CALCOM_API_KEY"), http: &http.Client{Timeout: 10 * time.Second}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /__harness/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"ok":true}`)) })
	mux.HandleFunc("POST /__harness/book", s.book)
	mux.HandleFunc("POST /__harness/cancel", s.cancel)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux))
}

func reply(w http.ResponseWriter, a any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a)
}

func (s *service) book(w http.ResponseWriter, r *http.Request) {
	var in bookRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		reply(w, answer{Outcome: "error", Reason: err.Error()})
		return
	}
	ctx := r.Context()
	// Check: is the slot free here?
	var taken bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM appointments WHERE event_type_id = $1 AND starts_at = $2 AND live)`,
		in.EventTypeID, in.Start).Scan(&taken); err != nil {
		reply(w, answer{Outcome: "error", Reason: err.Error()})
		return
	}
	if taken {
		reply(w, answer{Outcome: "slot_taken"})
		return
	}
	// Call Cal.com.
	tz := in.Attendee.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	status, body, err := s.post(ctx, "/v2/bookings", map[string]any{
		"start": in.Start.UTC().Format(time.RFC3339), "eventTypeId": in.EventTypeID,
		"attendee": map[string]string{"name": in.Attendee.Name, "email": in.Attendee.Email, "timeZone": tz},
		"metadata": map[string]string{"call_id": in.CallID},
	})
	switch {
	case err != nil:
		reply(w, answer{Outcome: "unknown", Reason: err.Error()})
		return
	case status >= 400 && status < 500:
		reply(w, answer{Outcome: "slot_taken"})
		return
	case status < 200 || status > 299:
		reply(w, answer{Outcome: "error", Reason: fmt.Sprintf("Cal.com answered %d", status)})
		return
	}
	var b struct {
		Data struct {
			UID   string    `json:"uid"`
			Start time.Time `json:"start"`
			End   time.Time `json:"end"`
			Hosts []struct {
				ID int64 `json:"id"`
			} `json:"hosts"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &b); err != nil || b.Data.UID == "" || len(b.Data.Hosts) == 0 {
		reply(w, answer{Outcome: "unknown", Reason: "Cal.com's answer has no booking"})
		return
	}
	// Insert: any 2xx is stored.
	var id int64
	if err := s.db.QueryRow(ctx, `INSERT INTO appointments (call_id, booking_uid, event_type_id, host_id, starts_at, ends_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, in.CallID, b.Data.UID, in.EventTypeID, b.Data.Hosts[0].ID, b.Data.Start, b.Data.End).Scan(&id); err != nil {
		reply(w, answer{Outcome: "unknown", Reason: err.Error()})
		return
	}
	reply(w, answer{Outcome: "booked", AppointmentID: &id, BookingUID: &b.Data.UID})
}

func (s *service) cancel(w http.ResponseWriter, r *http.Request) {
	var in bookRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		reply(w, answer{Outcome: "error", Reason: err.Error()})
		return
	}
	ctx := r.Context()
	rows, err := s.db.Query(ctx, `UPDATE appointments SET live = false WHERE call_id = $1 AND live RETURNING booking_uid`, in.CallID)
	if err != nil {
		reply(w, answer{Outcome: "error", Reason: err.Error()})
		return
	}
	var uids []string
	for rows.Next() {
		var uid string
		if rows.Scan(&uid) == nil {
			uids = append(uids, uid)
		}
	}
	rows.Close()
	if len(uids) == 0 {
		reply(w, map[string]string{"outcome": "nothing_to_cancel"})
		return
	}
	for _, uid := range uids {
		_, _, _ = s.post(ctx, "/v2/bookings/"+uid+"/cancel", map[string]string{"cancellationReason": "caller cancelled"})
	}
	reply(w, map[string]string{"outcome": "cancelled"})
}

func (s *service) post(ctx context.Context, path string, body any) (int, []byte, error) {
	js, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.calcom+path, bytes.NewReader(js))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("cal-api-version", "2024-08-13")
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes(), err
}
