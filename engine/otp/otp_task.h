#pragma once

// Elixir's Task (SEMANTICS.md §7.6): async links and monitors the task from the caller; await waits for the
// reply {ref, result} or the DOWN, 5000 ms by default, and exits {reason, {Task, :await, [task, timeout]}}.
// The task struct is the Elixir one (%Task{mfa, owner, pid, ref}) so it prints and matches like Elixir's.

#include "otp/childspec.h"

namespace vigil::otp {

using TaskFun = std::function<Task<Term>(ProcessContext&)>;

struct AsyncTask {
    Term pid;
    Term ref;
    Term owner;
    Term toTerm() const; // %Task{...}
    static std::optional<AsyncTask> fromTerm(const Term& t);
};

namespace tasks {

// Task.async: the task runs fn in a new process linked to and monitored by the caller.
AsyncTask async(ProcessContext& ctx, TaskFun fn, Term label = Term::nil());
// Task.await: the result, or an exit ({:timeout, ...}, or the task's reason wrapped as above).
Task<Term> await(ProcessContext& ctx, AsyncTask task, int64_t timeoutMs = 5000);
// Task.yield: {:ok, result} | {:exit, reason} | nil on timeout (the task keeps running).
Task<Term> yield(ProcessContext& ctx, AsyncTask task, int64_t timeoutMs = 5000);
// Task.shutdown: unlinks, stops the task with :shutdown (then :kill after timeoutMs); {:ok, r} if the reply
// arrived first, {:exit, r} for another death, nil otherwise.
Task<Term> shutdown(ProcessContext& ctx, AsyncTask task, int64_t timeoutMs = 5000);
// Task.start_link for supervision trees: {:ok, pid}; the process runs fn and exits :normal.
Task<Term> startLink(ProcessContext& ctx, TaskFun fn, Term label = Term::nil());
// Task.start (unlinked, fire and forget).
Term start(ProcessContext& ctx, TaskFun fn, Term label = Term::nil());
// A child spec running fn as a Task (restart :temporary, as Task's child_spec).
ChildSpec childSpec(Term id, TaskFun fn, Atom restart = atoms::temporary);

} // namespace tasks

} // namespace vigil::otp
