// Package pgproxy is a small in-process Postgres wire proxy that injects database faults
// deterministically between a client (the core's pgx pool, or a black-box service using
// libpq, PDO, …) and a real Postgres server.
//
// # Why the harness has its own proxy
//
// The fault that matters most for a booking system's database is the lost commit
// acknowledgement: the server commits, the client never hears, and must find out on a fresh
// connection whether its row exists. Expressing it needs to know where a COMMIT's answer
// begins and ends. Toxiproxy's toxics see bytes, not messages — they can cut a connection
// after N bytes or after a delay, but not "after the server's CommandComplete for this
// COMMIT, before the client reads it" — so it cannot express a lost commit acknowledgement,
// nor target one call's statements by their bind parameters. pgproxy frames the protocol
// with github.com/jackc/pgx/v5/pgproto3 and sees messages.
//
// # Use
//
//	p, err := pgproxy.New("127.0.0.1:5432", pgproxy.Config{Seed: 1, Clock: vclock})
//	…
//	p.Start()
//	defer p.Close()
//	dsn, err := p.DSN(directDSN) // same DSN, pointing at the proxy
//	p.AddRule(pgproxy.Rule{Param: "call_927bf…", Nth: 1, Action: pgproxy.Action{Kind: pgproxy.ActionCommitAckLost}})
//
// The proxy listens on loopback only and speaks plaintext on both sides: it answers
// SSLRequest and GSSENCRequest with 'N' (clients with sslmode=prefer, libpq's and pgx's
// default, carry on in plaintext; sslmode=require fails, as it should). Authentication (trust,
// password, md5, SCRAM) is relayed message by message without being read; the journal never
// holds a password. CancelRequest is forwarded to the server on a connection of its own.
// Everything else is relayed message by message: writes are batched and flushed whenever the
// proxy would otherwise wait, large messages are streamed, and with no rules armed Query and
// Bind messages are not even decoded.
//
// # Statements, calls and attempts
//
// A statement is a simple-protocol Query, or an extended-protocol Bind (matched by the text
// of the prepared statement it binds — the proxy remembers Parse messages per connection —
// and by its parameters). Pipelining works: the proxy counts the groups of messages the
// client ends with Sync (or Query) and the ReadyForQuery answering each.
//
// Each statement belongs to a call, named by Config.CallKey (default DefaultCallKey: the first
// parameter or string literal that looks like a phone call id, "call_…"). A statement with no
// key of its own inside a transaction takes the transaction's key, so a call's COMMIT is that
// call's. Rules count attempts per call: the nth, every nth, and the seeded random draw are
// functions of (Config.Seed, rule name, call key, attempt number), never of the order in
// which concurrent calls arrive. A probabilistic rule never fires on a statement with no call
// key.
//
// # Faults
//
//   - ActionLatency: the statement is held before it is forwarded (an Advancer clock is
//     advanced instead).
//   - ActionReset: the client connection is reset (TCP RST) and the server connection closed
//     before the statement is forwarded: it never reaches the server, whose open transaction
//     rolls back.
//   - ActionCommitAckLost: the transaction containing the statement is let commit; the
//     server's CommandComplete and ReadyForQuery for the commit are dropped and the client is
//     reset. It applies to an explicit COMMIT and to an autocommit write (an INSERT through the
//     extended protocol up to its Sync). A transaction that rolls back or changes nothing
//     leaves the rule unfired. To know, the proxy withholds the end of each answer of such a
//     transaction (from the first CommandComplete to ReadyForQuery, at most 1 MiB) until the
//     server's ReadyForQuery says whether the transaction is over.
//   - ActionRefuse / Proxy.Refuse: new connections get FATAL 53300 for a while, measured on
//     Config.Clock, or until StopRefusing.
//
// Rules are added and removed at run time (AddRule, RemoveRule, ClearRules); the fault
// catalogue (package sim/fault) builds them from the --db-faults flag and maps a step's
// db_fault onto them. The journal (Journal) records every
// fault that fired and, with Config.JournalStatements, every connection and statement.
//
// Known limits: statements larger than 16 MiB are relayed unjudged (journalled as skipped);
// COPY FROM STDIN through the extended protocol (rare: pgx, psql and PDO use the simple
// protocol for COPY) can make a commit_ack_lost decision land on the next transaction,
// because the server ignores a Sync sent during COPY.
package pgproxy
