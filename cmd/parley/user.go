package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/store"
)

// userCommand handles "parley user create|set-password|add-to-group".
func userCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("user: give create, set-password or add-to-group")
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	o.bind(fs, false)
	login := fs.String("login", "", "the user's login")
	name := fs.String("name", "", "display name (create)")
	email := fs.String("email", "", "email address (create)")
	password := fs.String("password", "", "password; generated and printed when empty")
	group := fs.String("group", "", "group name (add-to-group)")
	admin := fs.Bool("admin", false, "also add the new user to Administrators (create)")
	if err := fs.Parse(args[1:]); err != nil {
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
	svc := auth.New(db, o.logger())
	switch args[0] {
	case "create":
		return userCreate(ctx, svc, stdout, auth.NewUser{Login: *login, DisplayName: *name, Email: *email, Password: *password}, *admin)
	case "set-password":
		return userSetPassword(ctx, svc, stdout, *login, *password)
	case "add-to-group":
		return userAddToGroup(ctx, svc, stdout, *login, *group)
	}
	return fmt.Errorf("user: unknown subcommand %q; give create, set-password or add-to-group", args[0])
}

func userCreate(ctx context.Context, svc *auth.Service, stdout io.Writer, in auth.NewUser, admin bool) error {
	generated := in.Password == ""
	if generated {
		in.Password = auth.GeneratePassword()
	}
	u, err := svc.CreateUser(ctx, in)
	if err != nil {
		return err
	}
	if admin {
		if err := svc.AddMember(ctx, auth.AdministratorsID, u.ID); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "created user %s (%s)\n", u.Login, u.ID)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", in.Password)
	}
	return nil
}

func userSetPassword(ctx context.Context, svc *auth.Service, stdout io.Writer, login, password string) error {
	u, err := svc.UserByLogin(ctx, login)
	if err != nil {
		return err
	}
	generated := password == ""
	if generated {
		password = auth.GeneratePassword()
	}
	if _, err := svc.UpdateUser(ctx, u.ID, auth.UserPatch{Password: &password}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s changed; their sessions were logged out\n", login)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

func userAddToGroup(ctx context.Context, svc *auth.Service, stdout io.Writer, login, group string) error {
	u, err := svc.UserByLogin(ctx, login)
	if err != nil {
		return err
	}
	g, err := svc.GroupByName(ctx, group)
	if err != nil {
		return err
	}
	if err := svc.AddMember(ctx, g.ID, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s to %s\n", login, g.Name)
	return nil
}
