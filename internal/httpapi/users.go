package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// errsList adds a "required" check to errs.List for request fields.
type errsList struct{ errs.List }

func (l *errsList) need(field string, present bool) {
	if !present {
		l.Add(field, "is required")
	}
}

type groupRequest struct {
	Name string `json:"name"`
}

func (s *Server) registerUsers() {
	s.handle("GET /api/v1/users", staff, op{action: policy.UserDirectory, summary: "List users: whole for administrators, the colleagues' directory (no login, no email) for other staff", out: store.List[*auth.User]{}, query: []string{"limit", "cursor"}}, s.handleUserList)
	s.handle("POST /api/v1/users", admin, op{action: policy.UserManage, required: []string{"login", "display_name", "password"}, summary: "Create a user (accepts Idempotency-Key)", in: auth.NewUser{}, out: auth.User{}, status: http.StatusCreated, idempotent: true}, s.handleUserCreate)
	s.handle("GET /api/v1/users/{id}", staff, op{action: policy.UserDirectory, summary: "One user: whole for administrators and the user themself, the directory entry for other staff", out: auth.User{}}, s.handleUserGet)
	s.handle("PATCH /api/v1/users/{id}", admin, op{action: policy.UserManage, summary: "Change a user's display name, email or password", in: auth.UserPatch{}, out: auth.User{}}, s.handleUserPatch)
	s.handle("DELETE /api/v1/users/{id}", admin, op{action: policy.UserManage, summary: "Delete a user", status: http.StatusNoContent}, s.handleUserDelete)
}

// handleUserList handles GET /api/v1/users.
func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.Auth.Users(r.Context(), p)
	if err != nil {
		return err
	}
	shown := store.List[any]{Items: make([]any, len(list.Items)), NextCursor: list.NextCursor}
	for i, u := range list.Items {
		shown.Items[i] = shownUser(r, u)
	}
	return ok(w, shown)
}

// shownUser is the whole user for those the policy lets read it (administrators, the user
// themself), and the colleague's directory entry for other staff.
func shownUser(r *http.Request, u *auth.User) any {
	if policy.Can(auth.FromContext(r.Context()), policy.UserRead, policy.Resource{UserID: u.ID}) == nil {
		return u
	}
	return u.Colleague()
}

// handleUserCreate handles POST /api/v1/users.
func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	var in auth.NewUser
	if err := decode(r, &in); err != nil {
		return err
	}
	by, err := auth.AdminFrom(r.Context())
	if err != nil {
		return err
	}
	// The password stays out of the fingerprint: it is stored only as a slow hash, and a
	// fast one beside it would undo that.
	in.By = by.ID
	if in.Idempotency, err = idempotency(r, by.ID, auth.NewUser{Login: in.Login, DisplayName: in.DisplayName, Email: in.Email}); err != nil {
		return err
	}
	u, err := s.Auth.CreateUser(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, u)
}

// handleUserGet handles GET /api/v1/users/{id}.
func (s *Server) handleUserGet(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Auth.User(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, shownUser(r, u))
}

// handleUserPatch handles PATCH /api/v1/users/{id}.
func (s *Server) handleUserPatch(w http.ResponseWriter, r *http.Request) error {
	var in auth.UserPatch
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.Auth.UpdateUser(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return ok(w, u)
}

// handleUserDelete handles DELETE /api/v1/users/{id}.
func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.DeleteUser(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

func (s *Server) registerGroups() {
	s.handle("GET /api/v1/groups", staff, op{action: policy.GroupRead, summary: "List groups with their members", out: store.List[*auth.Group]{}, query: []string{"limit", "cursor"}}, s.handleGroupList)
	s.handle("POST /api/v1/groups", admin, op{action: policy.GroupManage, required: []string{"name"}, summary: "Create a group (accepts Idempotency-Key)", in: groupRequest{}, out: auth.Group{}, status: http.StatusCreated, idempotent: true}, s.handleGroupCreate)
	s.handle("GET /api/v1/groups/{id}", staff, op{action: policy.GroupRead, summary: "One group with its members", out: auth.Group{}}, s.handleGroupGet)
	s.handle("PUT /api/v1/groups/{id}/members/{userId}", admin, op{action: policy.GroupManage, summary: "Add a user to a group", status: http.StatusNoContent}, s.handleMemberAdd)
	s.handle("DELETE /api/v1/groups/{id}/members/{userId}", admin, op{action: policy.GroupManage, summary: "Remove a user from a group", status: http.StatusNoContent}, s.handleMemberRemove)
}

// handleGroupList handles GET /api/v1/groups.
func (s *Server) handleGroupList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.Auth.Groups(r.Context(), p)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleGroupCreate handles POST /api/v1/groups.
func (s *Server) handleGroupCreate(w http.ResponseWriter, r *http.Request) error {
	var in groupRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	by, err := auth.AdminFrom(r.Context())
	if err != nil {
		return err
	}
	idem, err := idempotency(r, by.ID, in)
	if err != nil {
		return err
	}
	g, err := s.Auth.AddGroup(r.Context(), auth.NewGroup{Name: in.Name, By: by.ID, Idempotency: idem})
	if err != nil {
		return err
	}
	return created(w, g)
}

// handleGroupGet handles GET /api/v1/groups/{id}.
func (s *Server) handleGroupGet(w http.ResponseWriter, r *http.Request) error {
	g, err := s.Auth.Group(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, g)
}

// handleMemberAdd handles PUT /api/v1/groups/{id}/members/{userId}.
func (s *Server) handleMemberAdd(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.AddMember(r.Context(), r.PathValue("id"), r.PathValue("userId")); err != nil {
		return err
	}
	return noContent(w)
}

// handleMemberRemove handles DELETE /api/v1/groups/{id}/members/{userId}.
func (s *Server) handleMemberRemove(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.RemoveMember(r.Context(), r.PathValue("id"), r.PathValue("userId")); err != nil {
		return err
	}
	return noContent(w)
}
