// Command parley is Parley's one binary: a live-chat server with a business-process engine.
//
//	parley serve     run the server (HTTP API, WebSockets, web UI, workers)
//	parley migrate   apply database migrations and exit
//	parley user      create users, set passwords, add users to groups
//	parley openapi   print the OpenAPI document of the HTTP API
//	parley bench     measure a server end to end through its API (load generator)
//
// Run "parley COMMAND --help" for the flags of each; every flag has a PARLEY_* variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "parley:", err)
		}
		os.Exit(2)
	}
}

const usage = `Parley: live chats with a business-process engine inside.

Usage:
  parley serve [flags]     run the server (add --demo for demo data)
  parley migrate [flags]   apply database migrations and exit
  parley user create --login L --name N [--email E] [--password P] [--admin]
  parley user set-password --login L [--password P]
  parley user add-to-group --login L --group G
  parley openapi           print the OpenAPI 3.1 document of the HTTP API
  parley bench [flags]     measure end to end through the API (--start sqlite to start a server)

Run "parley COMMAND --help" for each command's flags.
`

// run dispatches a subcommand; it is main without the process exit, for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "user":
		return userCommand(ctx, args[1:], stdout, stderr)
	case "openapi":
		return openapi(ctx, args[1:], stdout)
	case "bench":
		return bench(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
