// Command barehttp is the baseline for the fake Cal.com benchmark: a bare net/http handler
// that decodes a JSON body and answers a JSON 201 envelope, nothing else.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"sync/atomic"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	var id atomic.Int64
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"id": id.Add(1), "start": in["start"], "metadata": in["metadata"]}})
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
