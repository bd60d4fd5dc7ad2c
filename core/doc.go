// Package core is the reference booking core: it books one Cal.com slot for one phone call
// and stores the appointment in Postgres, deciding through the duplicate-prevention layers
// what to do with the booking Cal.com hands back. It is the default system under test; users
// may replace it, so it must not import the harness (fakecalcom, sim, pgenv).
package core
