package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/workspace"
)

// Administrators define workspaces, apps and fields; every staff user reads them and reads
// and writes items, because operators file leads while they chat.
func (s *Server) registerWorkspaces() {
	if s.Workspaces == nil {
		return
	}
	page := []string{"limit", "cursor"}
	s.handle("GET /api/v1/workspaces", staff, op{action: policy.WorkspaceRead, summary: "List workspaces", out: store.List[*workspace.Workspace]{}, query: page}, s.handleWorkspaceList)
	s.handle("POST /api/v1/workspaces", admin, op{action: policy.WorkspaceAdmin, required: []string{"code", "name"}, summary: "Create a workspace (accepts Idempotency-Key)", in: workspace.NewWorkspace{}, out: workspace.Workspace{}, status: http.StatusCreated, idempotent: true}, s.handleWorkspaceCreate)
	s.handle("GET /api/v1/workspaces/{ws}", staff, op{action: policy.WorkspaceRead, summary: "One workspace", out: workspace.Workspace{}}, s.handleWorkspaceGet)
	s.handle("PATCH /api/v1/workspaces/{ws}", admin, op{action: policy.WorkspaceAdmin, summary: "Rename a workspace", in: workspace.WorkspacePatch{}, out: workspace.Workspace{}}, s.handleWorkspacePatch)
	s.handle("GET /api/v1/workspaces/{ws}/apps", staff, op{action: policy.WorkspaceRead, summary: "List a workspace's apps with their fields", out: store.List[*workspace.App]{}, query: page}, s.handleAppList)
	s.handle("POST /api/v1/workspaces/{ws}/apps", admin, op{action: policy.WorkspaceAdmin, required: []string{"code", "name", "fields"}, summary: "Create an app with typed fields (accepts Idempotency-Key)", in: workspace.NewApp{}, out: workspace.App{}, status: http.StatusCreated, idempotent: true}, s.handleAppCreate)
	s.handle("GET /api/v1/workspaces/{ws}/apps/{app}", staff, op{action: policy.WorkspaceRead, summary: "One app with its fields in order", out: workspace.App{}}, s.handleAppGet)
	s.handle("PATCH /api/v1/workspaces/{ws}/apps/{app}", admin, op{action: policy.WorkspaceAdmin, summary: "Rename an app, add or remove fields, or pick the title field; removing a field a process uses is 409", in: workspace.AppPatch{}, out: workspace.App{}}, s.handleAppPatch)
	s.handle("GET /api/v1/workspaces/{ws}/apps/{app}/items", staff, op{action: policy.ItemRead, summary: "List items; every other query parameter ?<field>=<value> is a filter on that field", out: store.List[*workspace.Item]{}, query: page}, s.handleItemList)
	s.handle("POST /api/v1/workspaces/{ws}/apps/{app}/items", staff, op{action: policy.ItemWrite, summary: "Create an item (accepts Idempotency-Key)", in: workspace.NewItem{}, out: workspace.Item{}, status: http.StatusCreated, idempotent: true}, s.handleItemCreate)
	s.handle("GET /api/v1/workspaces/{ws}/apps/{app}/items/{id}", staff, op{action: policy.ItemRead, summary: "One item", out: workspace.Item{}}, s.handleItemGet)
	s.handle("PATCH /api/v1/workspaces/{ws}/apps/{app}/items/{id}", staff, op{action: policy.ItemWrite, summary: "Change some values of an item; null clears an optional one", in: workspace.ItemPatch{}, out: workspace.Item{}}, s.handleItemPatch)
}

// handleWorkspaceList handles GET /api/v1/workspaces.
func (s *Server) handleWorkspaceList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.Workspaces.Workspaces(r.Context(), p)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleWorkspaceCreate handles POST /api/v1/workspaces.
func (s *Server) handleWorkspaceCreate(w http.ResponseWriter, r *http.Request) error {
	var in workspace.NewWorkspace
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := auth.AdminFrom(r.Context())
	if err != nil {
		return err
	}
	if in.Idempotency, err = idempotency(r, u.ID, in); err != nil {
		return err
	}
	in.By = u.ID
	ws, err := s.Workspaces.CreateWorkspace(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, ws)
}

// handleWorkspaceGet handles GET /api/v1/workspaces/{ws}.
func (s *Server) handleWorkspaceGet(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.Workspaces.Workspace(r.Context(), r.PathValue("ws"))
	if err != nil {
		return err
	}
	return ok(w, ws)
}

// handleWorkspacePatch handles PATCH /api/v1/workspaces/{ws}.
func (s *Server) handleWorkspacePatch(w http.ResponseWriter, r *http.Request) error {
	var in workspace.WorkspacePatch
	if err := decode(r, &in); err != nil {
		return err
	}
	ws, err := s.Workspaces.UpdateWorkspace(r.Context(), r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	return ok(w, ws)
}

// handleAppList handles GET /api/v1/workspaces/{ws}/apps.
func (s *Server) handleAppList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.Workspaces.Apps(r.Context(), r.PathValue("ws"), p)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleAppCreate handles POST /api/v1/workspaces/{ws}/apps.
func (s *Server) handleAppCreate(w http.ResponseWriter, r *http.Request) error {
	var in workspace.NewApp
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := auth.AdminFrom(r.Context())
	if err != nil {
		return err
	}
	if in.Idempotency, err = idempotency(r, u.ID, in); err != nil {
		return err
	}
	in.By = u.ID
	a, err := s.Workspaces.CreateApp(r.Context(), r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	return created(w, a)
}

// handleAppGet handles GET /api/v1/workspaces/{ws}/apps/{app}.
func (s *Server) handleAppGet(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Workspaces.App(r.Context(), r.PathValue("ws"), r.PathValue("app"))
	if err != nil {
		return err
	}
	return ok(w, a)
}

// handleAppPatch handles PATCH /api/v1/workspaces/{ws}/apps/{app}.
func (s *Server) handleAppPatch(w http.ResponseWriter, r *http.Request) error {
	var in workspace.AppPatch
	if err := decode(r, &in); err != nil {
		return err
	}
	a, err := s.Workspaces.UpdateApp(r.Context(), r.PathValue("ws"), r.PathValue("app"), in)
	if err != nil {
		return err
	}
	return ok(w, a)
}

// handleItemList handles GET /api/v1/workspaces/{ws}/apps/{app}/items.
func (s *Server) handleItemList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := workspace.ItemQuery{Page: p, Filters: map[string]string{}}
	for name, vals := range r.URL.Query() {
		if name == "limit" || name == "cursor" {
			continue
		}
		if len(vals) != 1 {
			return errs.Field(name, "give one value to filter by, not %d", len(vals))
		}
		q.Filters[name] = vals[0]
	}
	list, err := s.Workspaces.Items(r.Context(), r.PathValue("ws"), r.PathValue("app"), q)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleItemCreate handles POST /api/v1/workspaces/{ws}/apps/{app}/items.
func (s *Server) handleItemCreate(w http.ResponseWriter, r *http.Request) error {
	var in workspace.NewItem
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := auth.StaffFrom(r.Context())
	if err != nil {
		return err
	}
	if in.Idempotency, err = idempotency(r, u.ID, in); err != nil {
		return err
	}
	in.By = u.ID
	it, err := s.Workspaces.CreateItem(r.Context(), r.PathValue("ws"), r.PathValue("app"), in)
	if err != nil {
		return err
	}
	return created(w, it)
}

// handleItemGet handles GET /api/v1/workspaces/{ws}/apps/{app}/items/{id}.
func (s *Server) handleItemGet(w http.ResponseWriter, r *http.Request) error {
	it, err := s.Workspaces.Item(r.Context(), r.PathValue("ws"), r.PathValue("app"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, it)
}

// handleItemPatch handles PATCH /api/v1/workspaces/{ws}/apps/{app}/items/{id}.
func (s *Server) handleItemPatch(w http.ResponseWriter, r *http.Request) error {
	var in workspace.ItemPatch
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := auth.StaffFrom(r.Context())
	if err != nil {
		return err
	}
	in.By = u.ID
	it, err := s.Workspaces.UpdateItem(r.Context(), r.PathValue("ws"), r.PathValue("app"), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return ok(w, it)
}
