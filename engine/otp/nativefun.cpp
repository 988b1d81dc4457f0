#include "otp/nativefun.h"

#include "otp/otpatoms.h"

#include <mutex>

namespace vigil::otp {

namespace {

struct NativeFunObject final : FunObject {
    NativeFunObject(int a, NativeFunBody b, std::string d)
        : m_arity(a)
        , body(std::move(b))
        , text(std::move(d))
    {
    }
    int arity() const override { return m_arity; }
    std::string describe() const override { return text; }
    int m_arity;
    NativeFunBody body;
    std::string text;
};

std::mutex g_mutex;
FunApplier g_applier;

Task<Term> runNative(NativeFunBody body, ProcessContext& ctx, std::vector<Term> args)
{
    // Keeps the body alive for the whole call: the body may be a coroutine lambda with captures.
    co_return co_await body(ctx, std::move(args));
}

Task<Term> plain1(std::function<Term(const Term&)> fn, std::vector<Term> args) { co_return fn(args.at(0)); }
Task<Term> plain0(std::function<Term()> fn) { co_return fn(); }

} // namespace

Term makeFun(int arity, NativeFunBody body, std::string describe)
{
    return Term::fun(new NativeFunObject(arity, std::move(body), std::move(describe)));
}

Term makeFun1(std::function<Term(const Term&)> fn, std::string describe)
{
    return makeFun(
        1, [fn = std::move(fn)](ProcessContext&, std::vector<Term> args) { return plain1(fn, std::move(args)); },
        std::move(describe));
}

Term makeFun0(std::function<Term()> fn, std::string describe)
{
    return makeFun(
        0, [fn = std::move(fn)](ProcessContext&, std::vector<Term>) { return plain0(fn); }, std::move(describe));
}

void setFunApplier(FunApplier applier)
{
    std::lock_guard lock(g_mutex);
    g_applier = std::move(applier);
}

Task<Term> applyFun(ProcessContext& ctx, Term fun, std::vector<Term> args)
{
    if (!fun.isFun())
        raiseError(Term::tuple({ Term::atom(atom::badfun()), fun }));
    if (fun.asFun()->arity() != int(args.size()))
        raiseError(Term::tuple({ Term::atom("badarity"), Term::tuple({ fun, Term::list(args) }) }));
    if (auto* native = dynamic_cast<NativeFunObject*>(fun.asFun()))
        co_return co_await runNative(native->body, ctx, std::move(args));
    FunApplier applier;
    {
        std::lock_guard lock(g_mutex);
        applier = g_applier;
    }
    if (applier) {
        std::optional<Task<Term>> t = applier(ctx, fun, std::move(args));
        if (t)
            co_return co_await std::move(*t);
    }
    raiseError(Term::tuple({ Term::atom(atom::badfun()), fun }));
}

} // namespace vigil::otp
