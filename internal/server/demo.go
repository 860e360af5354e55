package server

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
)

// demoUser is one of the demo staff accounts.
type demoUser struct {
	login, name, group string
}

var demoUsers = []demoUser{
	{"supervisor", "Sam Supervisor", "Support supervisors"},
	{"operator", "Olga Operator", "Support operators"},
}

// Demo fills an empty database with demo data so a newcomer sees Parley work end to end. It
// does nothing when the demo users already exist, so --demo can stay on across restarts.
// Passwords are generated and printed once.
func (s *Server) Demo(ctx context.Context) error {
	if _, err := s.Auth.UserByLogin(ctx, demoUsers[0].login); err == nil {
		s.log.Info("demo data already present")
		return nil
	}
	for _, du := range demoUsers {
		if err := s.demoUser(ctx, du); err != nil {
			return err
		}
	}
	if err := s.demoLiveChat(ctx); err != nil {
		return err
	}
	return s.demoWebsite(ctx)
}

func (s *Server) demoUser(ctx context.Context, du demoUser) error {
	pw := auth.GeneratePassword()
	u, err := s.Auth.CreateUser(ctx, auth.NewUser{Login: du.login, DisplayName: du.name, Password: pw})
	if err != nil {
		return err
	}
	g, err := s.Auth.GroupByName(ctx, du.group)
	if errs.Is(err, errs.NotFound) {
		g, err = s.Auth.CreateGroup(ctx, du.group)
	}
	if err != nil {
		return err
	}
	if err := s.Auth.AddMember(ctx, g.ID, u.ID); err != nil {
		return err
	}
	s.log.Warn("demo user created; this password is shown only once", "login", du.login, "password", pw, "group", du.group)
	return nil
}
