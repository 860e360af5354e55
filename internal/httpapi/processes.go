package httpapi

import (
	"net/http"
	"strconv"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
)

// Administrators write process definitions; every staff user reads them; administrators and
// worker keys start them outside a session (policy.ProcessStart).
func (s *Server) registerProcesses() {
	if s.Processes == nil {
		return
	}
	s.handle("GET /api/v1/processes", staff, op{action: policy.ProcessRead, summary: "List process definitions, optionally those of a scope: a workspace lists its apps' too", out: store.List[*process.Definition]{}, query: []string{"scope", "limit", "cursor"}}, s.handleProcessList)
	s.handle("POST /api/v1/processes", admin, op{action: policy.ProcessManage, required: []string{"code", "name"}, summary: "Create a process draft (accepts Idempotency-Key)", in: process.Draft{}, out: process.Definition{}, status: http.StatusCreated, idempotent: true}, s.handleProcessCreate)
	s.handle("POST /api/v1/processes/check", admin, op{action: policy.ProcessCheck, summary: "Check a draft (name, scope, variables, bpmn) as publish would, writing nothing: every problem with its element, and the warnings", in: process.Draft{}, out: process.Checked{}}, s.handleProcessCheck)
	s.handle("GET /api/v1/processes/{code}", staff, op{action: policy.ProcessRead, summary: "One process definition with its draft", out: process.Definition{}}, s.handleProcessGet)
	s.handle("PUT /api/v1/processes/{code}", admin, op{action: policy.ProcessManage, required: []string{"name"}, summary: "Replace a process's draft", in: process.Draft{}, out: process.Definition{}}, s.handleProcessUpdate)
	s.handle("POST /api/v1/processes/{code}/publish", admin, op{action: policy.ProcessManage, summary: "Validate the draft and publish it as the next immutable version, with warnings (accepts Idempotency-Key)", out: process.Published{}, status: http.StatusCreated, idempotent: true}, s.handleProcessPublish)
	s.handle("POST /api/v1/processes/{code}/unpublish", admin, op{action: policy.ProcessManage, summary: "Withdraw a process: running instances go on, nothing new starts", out: process.Definition{}}, s.handleProcessUnpublish)
	s.handle("GET /api/v1/processes/{code}/versions/{n}", staff, op{action: policy.ProcessRead, summary: "One published version", out: process.Version{}}, s.handleVersionGet)
	s.handle("POST /api/v1/processes/{code}/instances", admin|workerKey, op{action: policy.ProcessStart, summary: "Start the newest published version without a session (accepts Idempotency-Key)", in: process.StartRequest{}, out: process.Instance{}, status: http.StatusCreated, idempotent: true}, s.handleInstanceStart)
	s.registerInstances()
	s.registerTasks()
}

// handleProcessList handles GET /api/v1/processes.
func (s *Server) handleProcessList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.Processes.Definitions(r.Context(), process.DefinitionFilter{Scope: r.URL.Query().Get("scope"), Page: p})
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleProcessCreate handles POST /api/v1/processes.
func (s *Server) handleProcessCreate(w http.ResponseWriter, r *http.Request) error {
	var in process.Draft
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
	d, err := s.Processes.CreateDraft(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, d)
}

// handleProcessCheck handles POST /api/v1/processes/check. Problems are the answer, not a
// failure of the request: a half-drawn diagram checks with 200 and its list.
func (s *Server) handleProcessCheck(w http.ResponseWriter, r *http.Request) error {
	var in process.Draft
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Processes.Check(r.Context(), in)
	if err != nil {
		return err
	}
	return ok(w, c)
}

// handleProcessGet handles GET /api/v1/processes/{code}.
func (s *Server) handleProcessGet(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Processes.Definition(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return ok(w, d)
}

// handleProcessUpdate handles PUT /api/v1/processes/{code}.
func (s *Server) handleProcessUpdate(w http.ResponseWriter, r *http.Request) error {
	var in process.Draft
	if err := decode(r, &in); err != nil {
		return err
	}
	d, err := s.Processes.UpdateDraft(r.Context(), r.PathValue("code"), in)
	if err != nil {
		return err
	}
	return ok(w, d)
}

// handleProcessPublish handles POST /api/v1/processes/{code}/publish.
func (s *Server) handleProcessPublish(w http.ResponseWriter, r *http.Request) error {
	u, err := auth.AdminFrom(r.Context())
	if err != nil {
		return err
	}
	idem, err := idempotency(r, u.ID, nil)
	if err != nil {
		return err
	}
	p, err := s.Processes.PublishOnce(r.Context(), r.PathValue("code"), idem)
	if err != nil {
		return err
	}
	return created(w, p)
}

// handleProcessUnpublish handles POST /api/v1/processes/{code}/unpublish.
func (s *Server) handleProcessUnpublish(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Processes.Unpublish(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return ok(w, d)
}

// handleVersionGet handles GET /api/v1/processes/{code}/versions/{n}.
func (s *Server) handleVersionGet(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return errs.Field("n", "a version is a whole number from 1, not %q", r.PathValue("n"))
	}
	v, err := s.Processes.Version(r.Context(), r.PathValue("code"), n)
	if err != nil {
		return err
	}
	return ok(w, v)
}

// handleInstanceStart handles POST /api/v1/processes/{code}/instances.
func (s *Server) handleInstanceStart(w http.ResponseWriter, r *http.Request) error {
	var in process.StartRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	var err error
	if in.Idempotency, err = idempotency(r, caller(r), in); err != nil {
		return err
	}
	inst, err := s.Processes.StartByAPI(r.Context(), r.PathValue("code"), in)
	if err != nil {
		return err
	}
	return created(w, inst)
}
