package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/store"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	o.bind(fs, true)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: parley serve [flags]\n\nRuns the server on one node. Several nodes may share one PostgreSQL database.\n\nEmail channels receive mail on --smtp-addr (off by default; STARTTLS with --smtp-tls-cert,\nAUTH required with --smtp-auth-user) and send replies through --smtp-relay (--smtp-relay-tls,\n--smtp-relay-user); without a relay, replies in email sessions are recorded as failed deliveries.\nTelegram bots get their webhook at --public-url, or are long-polled without it.\n\nFlags (each also read from the PARLEY_* variable named):\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.check(true); err != nil {
		return err
	}
	log := o.logger()
	tuneGC(ctx)
	fitProcs(log)
	srv, err := server.Open(ctx, o.Config, log)
	if err != nil {
		return err
	}
	if o.Demo {
		if err := srv.Demo(ctx); err != nil {
			srv.Shutdown(context.Background())
			return fmt.Errorf("demo data: %w", err)
		}
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	log.Info("parley is listening", "url", "http://"+ln.Addr().String(), "database", dialectName(srv.DB))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		srv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down; waiting for requests in flight", "timeout", o.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

func dialectName(db *store.DB) string { return string(db.Dialect()) }

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	o.bind(fs, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.check(false); err != nil {
		return err
	}
	db, err := store.Open(ctx, o.DSN(), store.Options{Logger: o.logger()})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	ms := store.Migrations()
	fmt.Fprintf(stdout, "database is at schema version %d\n", ms[len(ms)-1].Version)
	return nil
}
