package httpapi

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abaco-hpc/abaco"
)

// The views replaced maps rendered by encoding/json. These are those maps,
// as they were, so that the tests below can check that every view encodes
// to exactly the same bytes (field names, order and values) for a wide
// range of objects.

func mapActor(base string, defaultToken bool, x *abaco.Actor, uid, gid any, mounts []abaco.Mount) map[string]any {
	var token any = x.Token
	if x.Token == nil {
		token = "false"
		if defaultToken {
			token = "true"
		}
	}
	hints := x.Hints
	if hints == nil {
		hints = []string{}
	}
	env := x.DefaultEnvironment
	if env == nil {
		env = map[string]string{}
	}
	if mounts == nil {
		mounts = []abaco.Mount{}
	}
	self := base + "/v3/actors/" + x.ID
	return map[string]any{
		"id": x.ID, "name": x.Name, "owner": x.Owner, "image": x.Image,
		"description": x.Description, "stateless": x.Stateless, "privileged": x.Privileged,
		"type": x.Type, "link": x.Link, "webhook": x.Webhook, "token": token, "hints": hints,
		"default_environment": env, "max_workers": x.MaxWorkers, "mem_limit": x.MemLimit,
		"max_cpus": x.MaxCPUs, "use_container_uid": x.UseContainerUID,
		"run_as_executor": x.RunAsExecutor, "uid": uid, "gid": gid, "tasdir": nil,
		"queue": x.Queue, "mounts": mounts, "revision": x.Revision, "status": x.Status,
		"status_message": x.StatusMessage, "state": mapRaw(x.State), "log_ex": x.LogEx,
		"cron_schedule": x.CronSchedule, "cron_on": x.CronOn, "cron_next_ex": x.CronNextEx,
		"create_time": timeText(x.CreateTime), "last_update_time": timeText(x.LastUpdateTime),
		"_links": map[string]string{
			"self": self, "owner": base + "/v3/oauth2/profiles/" + x.Owner, "executions": self + "/executions",
		},
	}
}

func mapRaw(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func mapExecution(base, owner string, e *abaco.Execution, uid, gid *int) map[string]any {
	self := base + "/v3/actors/" + e.ActorID + "/executions/" + e.ID
	var worker any
	if e.WorkerID != "" {
		worker = e.WorkerID
	}
	return map[string]any{
		"id": e.ID, "executor_uid": uid, "executor_gid": gid, "actor_id": e.ActorID,
		"api_server": e.APIServer, "executor": e.Executor, "worker_id": worker, "status": e.Status,
		"message_received_time": timeText(e.MessageReceivedTime), "start_time": timeText(e.StartTime),
		"finish_time": timeText(e.FinishTime), "runtime": e.Runtime, "cpu": e.CPU, "io": e.IO,
		"exit_code": e.ExitCode, "final_state": mapRaw(e.FinalState),
		"_links": map[string]string{"self": self, "owner": base + "/v3/oauth2/profiles/" + owner, "logs": self + "/logs"},
	}
}

func mapExecutions(base string, actor *abaco.Actor, sum *abaco.ExecutionSummary) map[string]any {
	list := make([]map[string]any, 0, len(sum.Executions))
	for _, e := range sum.Executions {
		list = append(list, map[string]any{
			"id": e.ID, "status": e.Status, "message_received_time": timeText(e.MessageReceivedTime),
			"start_time": timeText(e.StartTime), "finish_time": timeText(e.FinishTime),
		})
	}
	return map[string]any{
		"actor_id": actor.ID, "api_server": base, "owner": actor.Owner,
		"total_executions": sum.TotalExecutions, "total_cpu": sum.TotalCPU, "total_io": sum.TotalIO,
		"total_runtime": sum.TotalRuntime, "executions": list,
		"_links": map[string]string{"self": base + "/v3/actors/" + actor.ID + "/executions", "owner": base + "/v3/oauth2/profiles/" + actor.Owner},
	}
}

// odd strings exercise escaping: HTML characters, quotes, control and
// non-ASCII characters, U+2028.
var odd = []string{"", "plain", `<b>&"q"</b>`, "tab\there\nnewline", "é ü 漢字", "line\u2028sep", `back\slash`}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func ptr[T any](v T) *T { return &v }

func randomTime(rng *rand.Rand) time.Time {
	if rng.IntN(3) == 0 {
		return time.Time{}
	}
	return time.UnixMilli(rng.Int64N(2_000_000_000_000)).In(time.FixedZone("x", 3600))
}

func randomActor(rng *rand.Rand, i int) *abaco.Actor {
	x := &abaco.Actor{
		Tenant: "dev", ID: fmt.Sprintf("A%d", i), Owner: pick(rng, "alice", "bob<&>"),
		Image: pick(rng, odd...), Description: pick(rng, odd...), Stateless: rng.IntN(2) == 0,
		Privileged: rng.IntN(2) == 0, Type: pick(rng, "none", "bin"), Link: pick(rng, odd...),
		Webhook: pick(rng, odd...), UseContainerUID: rng.IntN(2) == 0, RunAsExecutor: rng.IntN(2) == 0,
		Queue: pick(rng, odd...), Revision: rng.IntN(5), Status: pick(rng, "READY", "ERROR"),
		StatusMessage: pick(rng, odd...), CronOn: rng.IntN(2) == 0,
		CreateTime: randomTime(rng), LastUpdateTime: randomTime(rng),
	}
	x.Name = pick(rng, nil, ptr(pick(rng, odd...)))
	x.Token = pick(rng, nil, ptr(true), ptr(false))
	x.Hints = pick(rng, nil, []string{}, []string{"sync", `<x>`})
	x.DefaultEnvironment = pick(rng, nil, map[string]string{}, map[string]string{"Z": "1", "a": `<&>`, "B": "é"})
	x.MaxWorkers = pick(rng, nil, ptr(0), ptr(7))
	x.MemLimit = pick(rng, nil, ptr("3g"))
	x.MaxCPUs = pick(rng, nil, ptr(int64(1_000_000_000)), ptr(int64(-1)))
	x.State = pick(rng, nil, json.RawMessage{}, json.RawMessage(`{}`), json.RawMessage(`{"z":1,"a":["<&>",2.50,1e21]}`), json.RawMessage(`"text"`))
	x.LogEx = pick(rng, nil, ptr(60))
	x.CronSchedule = pick(rng, nil, ptr("2026-11-26 10 + 1 hour"))
	x.CronNextEx = pick(rng, nil, ptr("2026-11-26 11"))
	return x
}

func randomExecution(rng *rand.Rand, i int) *abaco.Execution {
	return &abaco.Execution{
		Tenant: "dev", ID: fmt.Sprintf("E%d", i), ActorID: pick(rng, "A1", "A<2>"),
		Executor: pick(rng, odd...), Status: pick(rng, "COMPLETE", "RUNNING"), WorkerID: pick(rng, "", "W1", "<w>"),
		APIServer: pick(rng, odd...), MessageReceivedTime: randomTime(rng), StartTime: randomTime(rng),
		FinishTime: randomTime(rng), Runtime: rng.IntN(1000), CPU: rng.Int64(), IO: rng.Int64N(1000),
		ExitCode:   pick(rng, nil, ptr(0), ptr(137)),
		FinalState: pick(rng, nil, json.RawMessage{}, json.RawMessage(`{"ExitCode":0,"Error":"<&>"}`)),
	}
}

func requireSameJSON(t *testing.T, want, got any) {
	t.Helper()
	w, err := json.Marshal(want)
	require.NoError(t, err)
	g, err := json.Marshal(got)
	require.NoError(t, err)
	require.Equal(t, string(w), string(g))
}

func TestViewsEncodeAsTheMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	base := "http://127.0.0.1:8000"
	for i := range 500 {
		x := randomActor(rng, i)
		defaultToken := rng.IntN(2) == 0
		ra := pick(rng, runAsView{}, runAsView{uid: ptr(1001), gid: ptr(2002), mounts: []abaco.Mount{{HostPath: "/w/<u>", ContainerPath: "/work", Mode: "rw"}}})
		var uid, gid any
		if ra.uid != nil {
			uid, gid = *ra.uid, *ra.gid
		}
		want := mapActor(base, defaultToken, x, uid, gid, ra.mounts)
		view := newActorView(base, defaultToken, x, ra)
		requireSameJSON(t, want, view)

		// The admin listing's fields added to the view.
		fields, err := actorFields(view)
		require.NoError(t, err)
		extra := map[string]any{"workers": []any{map[string]any{"id": "W<1>"}}, "messages": 3, "executions": 100, "runtime": int64(1) << 40}
		for k, v := range extra {
			want[k] = v
			fields[k], err = json.Marshal(v)
			require.NoError(t, err)
		}
		requireSameJSON(t, want, fields)

		e := randomExecution(rng, i)
		uidp, gidp := pick(rng, (*int)(nil), ptr(1001)), pick(rng, (*int)(nil), ptr(2002))
		wantE := mapExecution(base, x.Owner, e, uidp, gidp)
		viewE := newExecutionView(base, x.Owner, e, uidp, gidp)
		requireSameJSON(t, wantE, viewE)
		// Search results leave api_server out.
		delete(wantE, "api_server")
		viewE.APIServer = nil
		requireSameJSON(t, wantE, viewE)

		sum := &abaco.ExecutionSummary{TotalExecutions: rng.IntN(100), TotalCPU: rng.Int64(), TotalIO: rng.Int64N(99), TotalRuntime: rng.Int64N(99)}
		for j := range rng.IntN(4) {
			sum.Executions = append(sum.Executions, randomExecution(rng, j))
		}
		requireSameJSON(t, mapExecutions(base, x, sum), newExecutionsView(base, x.ID, x.Owner, sum))
	}
}

func TestFormatTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	zones := []*time.Location{time.UTC, time.FixedZone("east", 5*3600+1800), time.FixedZone("west", -7*3600)}
	times := []time.Time{time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(2026, 11, 26, 17, 16, 11, 446999999, time.UTC)}
	for range 10000 {
		times = append(times, time.Unix(rng.Int64N(400_000_000_000)-100_000_000_000, rng.Int64N(1e9)).In(pick(rng, zones...)))
	}
	for _, x := range times {
		require.Equal(t, x.UTC().Format(timeLayout), formatTime(x), x.String())
	}
}
