package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/store"
)

type workerKeyRequest struct {
	Name string `json:"name"`
}

// registerWorkerKeys adds the administrators' worker keys: the API keys outside workers use
// for jobs, messages and process starts.
func (s *Server) registerWorkerKeys() {
	s.handle("GET /api/v1/worker-keys", admin, op{action: policy.WorkerKeys, summary: "List worker keys (never their secrets)",
		out: store.List[*auth.WorkerKey]{}, query: []string{"limit", "cursor"}}, s.handleWorkerKeyList)
	s.handle("POST /api/v1/worker-keys", admin, op{action: policy.WorkerKeys, required: []string{"name"},
		summary: "Create a worker key; the answer shows the key once, only its hash is kept", in: workerKeyRequest{},
		out: auth.WorkerKey{}, status: http.StatusCreated}, s.handleWorkerKeyCreate)
	s.handle("DELETE /api/v1/worker-keys/{id}", admin, op{action: policy.WorkerKeys, summary: "Revoke a worker key",
		status: http.StatusNoContent}, s.handleWorkerKeyRevoke)
}

// handleWorkerKeyList handles GET /api/v1/worker-keys.
func (s *Server) handleWorkerKeyList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.Auth.WorkerKeys(r.Context(), p)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleWorkerKeyCreate handles POST /api/v1/worker-keys.
func (s *Server) handleWorkerKeyCreate(w http.ResponseWriter, r *http.Request) error {
	var in workerKeyRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	k, err := s.Auth.CreateWorkerKey(r.Context(), in.Name)
	if err != nil {
		return err
	}
	return created(w, k)
}

// handleWorkerKeyRevoke handles DELETE /api/v1/worker-keys/{id}.
func (s *Server) handleWorkerKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.RevokeWorkerKey(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
