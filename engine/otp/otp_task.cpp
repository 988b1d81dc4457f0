#include "otp/otp_task.h"

#include "otp/genserver.h"
#include "otp/otpatoms.h"

namespace vigil::otp {

namespace {

Term atomTerm(Atom a) { return Term::atom(a); }

bool isDownFor(const Term& m, const Term& ref)
{
    return m.isTuple(5) && m.element(0).isAtom(atoms::DOWN) && m.element(1) == ref;
}
bool isReplyFor(const Term& m, const Term& ref) { return m.isTuple(2) && m.element(0) == ref; }

Term anonymousMfa()
{
    return Term::tuple({ Term::atom("erlang"), Term::atom("apply"), Term::integer(2) });
}

SpawnOptions taskOptions(const Term& label)
{
    SpawnOptions so;
    so.label = label.isNilAtom() ? atomTerm(atom::taskModule()) : label;
    so.behaviour = atom::task();
    so.initialCall = anonymousMfa();
    return so;
}

// The body of an async task: learn the reply reference from the owner, run, reply, exit :normal.
Task<void> asyncBody(ProcessContext& ctx, TaskFun fn, Term owner)
{
    auto receivePred1 = [owner](const Term& m) { return m.isTuple(3) && m.element(0) == owner && m.element(1).isReference(); };
    std::optional<Term> hello = co_await ctx.receive(
        receivePred1);
    const Term ref = hello->element(1);
    Term result = co_await fn(ctx);
    ctx.send(owner, Term::tuple({ ref, std::move(result) }));
}

Task<void> plainBody(ProcessContext& ctx, TaskFun fn) { co_await fn(ctx); }

Task<Term> startLinkImpl(ProcessContext& ctx, TaskFun fn, Term label)
{
    SpawnOptions so = taskOptions(label);
    so.link = true;
    SpawnResult r = ctx.spawn([fn = std::move(fn)](ProcessContext& c) { return plainBody(c, fn); }, std::move(so));
    co_return okTuple(r.pid);
}

} // namespace

Term AsyncTask::toTerm() const
{
    return Term::map({ { atomTerm(atoms::struct_), atomTerm(atom::taskModule()) },
        { atomTerm(atom::mfa()), anonymousMfa() }, { atomTerm(atom::owner()), owner },
        { atomTerm(atom::pid()), pid }, { atomTerm(atom::ref()), ref } });
}

std::optional<AsyncTask> AsyncTask::fromTerm(const Term& t)
{
    if (!t.isMap())
        return std::nullopt;
    const Term* pid = t.mapGet(atomTerm(atom::pid()));
    const Term* ref = t.mapGet(atomTerm(atom::ref()));
    const Term* owner = t.mapGet(atomTerm(atom::owner()));
    if (!pid || !ref || !owner)
        return std::nullopt;
    return AsyncTask { *pid, *ref, *owner };
}

namespace tasks {

AsyncTask async(ProcessContext& ctx, TaskFun fn, Term label)
{
    SpawnOptions so = taskOptions(label);
    so.link = true;
    so.monitor = true;
    const Term owner = ctx.self();
    SpawnResult r = ctx.spawn(
        [fn = std::move(fn), owner](ProcessContext& c) { return asyncBody(c, fn, owner); }, std::move(so));
    ctx.send(r.pid, Term::tuple({ owner, r.monitorRef, r.monitorRef }));
    return AsyncTask { r.pid, r.monitorRef, owner };
}

Task<Term> await(ProcessContext& ctx, AsyncTask task, int64_t timeoutMs)
{
    const Term ref = task.ref;
    auto receivePred2 = [ref](const Term& msg) { return isReplyFor(msg, ref) || isDownFor(msg, ref); };
    std::optional<Term> m = co_await ctx.receive(
        receivePred2, timeoutMs);
    auto fail = [&](Term reason) {
        raiseExit(wrapExitReason(std::move(reason), atom::taskModule(), atom::await(),
            { task.toTerm(), timeoutTerm(timeoutMs) }));
    };
    if (!m)
        fail(atomTerm(atoms::timeout));
    if (isDownFor(*m, ref))
        fail(m->element(4));
    ctx.demonitor(ref, true);
    co_return m->element(1);
}

Task<Term> yield(ProcessContext& ctx, AsyncTask task, int64_t timeoutMs)
{
    const Term ref = task.ref;
    auto receivePred3 = [ref](const Term& msg) { return isReplyFor(msg, ref) || isDownFor(msg, ref); };
    std::optional<Term> m = co_await ctx.receive(
        receivePred3, timeoutMs);
    if (!m)
        co_return Term::nil();
    if (isDownFor(*m, ref))
        co_return Term::tuple({ atomTerm(atom::exit()), m->element(4) });
    ctx.demonitor(ref, true);
    co_return okTuple(m->element(1));
}

Task<Term> shutdown(ProcessContext& ctx, AsyncTask task, int64_t timeoutMs)
{
    const Term ref = task.ref;
    const Term pid = task.pid;
    ctx.unlink(pid);
    ctx.exit(pid, atomTerm(atoms::shutdown));
    auto match = [ref](const Term& msg) { return isReplyFor(msg, ref) || isDownFor(msg, ref); };
    std::optional<Term> m = co_await ctx.receive(match, timeoutMs);
    if (!m) {
        ctx.exit(pid, atomTerm(atoms::kill));
        m = co_await ctx.receive(match);
    }
    if (isReplyFor(*m, ref)) {
        ctx.demonitor(ref, true);
        co_return okTuple(m->element(1));
    }
    const Term& reason = m->element(4);
    if (reason.isAtom(atoms::shutdown) || reason.isAtom(atoms::killed) || reason.isAtom(atoms::noproc))
        co_return Term::nil();
    co_return Term::tuple({ atomTerm(atom::exit()), reason });
}

Task<Term> startLink(ProcessContext& ctx, TaskFun fn, Term label) { return startLinkImpl(ctx, std::move(fn), std::move(label)); }

Term start(ProcessContext& ctx, TaskFun fn, Term label)
{
    SpawnOptions so = taskOptions(label);
    return ctx.spawn([fn = std::move(fn)](ProcessContext& c) { return plainBody(c, fn); }, std::move(so)).pid;
}

ChildSpec childSpec(Term id, TaskFun fn, Atom restart)
{
    ChildSpec spec;
    spec.id = id;
    spec.restart = restart;
    spec.start = [fn = std::move(fn), id](ProcessContext& ctx) { return tasks::startLink(ctx, fn, id); };
    return spec;
}

} // namespace tasks

} // namespace vigil::otp
