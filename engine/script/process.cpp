#include "script/process.h"

#include "script/lexer.h"
#include "script/parser.h"
#include "script/pretty.h"
#include "script/script.h"
#include "term/print.h"

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace vigil::script {

Task<Term> runMachine(ProcessContext& ctx, Machine& m)
{
    for (;;) {
        RunStatus st = m.run();
        if (st == RunStatus::Done)
            co_return m.result();
        if (st == RunStatus::Yield) {
            co_await ctx.yield();
            continue;
        }
        const ReceiveRequest rq = m.receiveRequest();
        if (rq.await) {
            Task<Term> task = m.takeAwait();
            std::optional<ProcessException> error;
            Term value;
            try {
                value = co_await task;
            } catch (ProcessException& e) {
                error = std::move(e);
            }
            if (error)
                m.deliverError(std::move(*error));
            else
                m.deliver(std::move(value));
            continue;
        }
        if (rq.sleepOnly) {
            co_await ctx.sleep(rq.timeoutMs);
            m.deliver(std::nullopt);
        } else if (rq.any) {
            std::optional<Term> msg = co_await ctx.receive(rq.timeoutMs);
            m.deliver(std::move(msg));
        } else {
            Machine* mp = &m;
            std::optional<Term> msg = co_await ctx.receive([mp](const Term& t) { return mp->matches(t); }, rq.timeoutMs);
            m.deliver(std::move(msg));
        }
    }
}

std::string crashReport(const Term& pid, const ProcessException& e)
{
    std::string text = "Process " + inspect(pid) + " raised an exception\n";
    Term reason = e.reason;
    if (e.kind == ProcessException::Kind::Throw)
        reason = Term::tuple({ mkAtom("nocatch"), e.reason });
    text += formatBanner(ProcessException::Kind::Error, reason, e.stacktrace) + "\n";
    text += formatStacktrace(e.stacktrace);
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return text;
}

namespace {

struct SpawnSpec {
    std::shared_ptr<ScriptEngine> engine;
    Term fun;
    Atom module, name;
    std::vector<Term> args;
    bool mfa;
};

Task<void> scriptBody(ProcessContext& ctx, std::shared_ptr<SpawnSpec> spec)
{
    auto m = std::make_unique<Machine>(*spec->engine, &ctx);
    if (spec->mfa)
        m->startMfa(spec->module, spec->name, std::move(spec->args));
    else
        m->startApply(spec->fun, std::move(spec->args));
    spec.reset();
    std::optional<ProcessException> failure;
    try {
        co_await runMachine(ctx, *m);
    } catch (ProcessException& e) {
        failure = std::move(e);
    }
    if (failure) {
        if (failure->kind != ProcessException::Kind::Exit)
            m->engine().logError(crashReport(ctx.self(), *failure), false);
        throw *failure;
    }
}

Term labelFor(const Term& fun)
{
    if (fun.isFun()) {
        if (auto* sf = dynamic_cast<ScriptFun*>(fun.asFun())) {
            std::string nm = "-" + std::string(sf->fn->fname.name()) + "/" + std::to_string(sf->fn->op) + "-fun-" + std::to_string(sf->fn->fnIndex) + "-";
            return Term::tuple({ Term::atom(sf->module), mkAtom(nm), Term::integer(sf->arity()) });
        }
    }
    return Term::nil();
}

} // namespace

SpawnResult spawnScriptFun(Machine& parent, const Term& fun, std::vector<Term> args, bool link, bool monitor, Term label, Atom behaviour)
{
    auto spec = std::make_shared<SpawnSpec>();
    spec->engine = parent.engine().shared_from_this();
    spec->fun = fun;
    spec->args = std::move(args);
    spec->mfa = false;
    SpawnOptions opts;
    opts.link = link;
    opts.monitor = monitor;
    opts.label = label.isNilAtom() ? labelFor(fun) : label;
    opts.behaviour = behaviour;
    opts.initialCall = Term::tuple({ mkAtom("erlang"), mkAtom("apply"), Term::integer(2) });
    return parent.ctx().spawn([spec](ProcessContext& ctx) { return scriptBody(ctx, spec); }, opts);
}

SpawnResult spawnScriptMfa(Machine& parent, Atom module, Atom name, std::vector<Term> args, bool link, bool monitor)
{
    auto spec = std::make_shared<SpawnSpec>();
    spec->engine = parent.engine().shared_from_this();
    spec->module = module;
    spec->name = name;
    int arity = int(args.size());
    spec->args = std::move(args);
    spec->mfa = true;
    SpawnOptions opts;
    opts.link = link;
    opts.monitor = monitor;
    opts.label = Term::tuple({ Term::atom(module), Term::atom(name), Term::integer(arity) });
    opts.initialCall = opts.label;
    return parent.ctx().spawn([spec](ProcessContext& ctx) { return scriptBody(ctx, spec); }, opts);
}

Term processDictGet(Machine& m, const Term& key, const Term& def)
{
    const Term* v = m.dict.mapGet(key);
    return v ? *v : def;
}

Term processDictPut(Machine& m, const Term& key, const Term& value)
{
    const Term* v = m.dict.mapGet(key);
    Term old = v ? *v : Term::nil();
    m.dict = m.dict.mapPut(key, value);
    return old;
}

Term processDictDelete(Machine& m, const Term& key)
{
    const Term* v = m.dict.mapGet(key);
    Term old = v ? *v : Term::nil();
    if (v)
        m.dict = m.dict.mapRemove(key);
    return old;
}

Term processDictKeys(Machine& m)
{
    std::vector<Term> keys;
    const std::pair<Term, Term>* entries = m.dict.mapBegin();
    for (size_t i = 0; i < m.dict.mapSize(); ++i)
        keys.push_back(entries[i].first);
    return Term::list(std::move(keys));
}

void setBehaviourState(Machine& m, const Term& state)
{
    if (!m.stateBox) {
        m.stateBox = std::make_shared<Term>(state);
        std::weak_ptr<Term> weak = m.stateBox;
        m.ctx().setStateReader([weak] {
            auto p = weak.lock();
            return p ? *p : Term::nil();
        });
        return;
    }
    *m.stateBox = state;
}

} // namespace vigil::script

namespace vigil {

using namespace script;

namespace {

std::string displayPath(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path p(path);
    if (p.is_relative())
        return path;
    fs::path rel = fs::relative(p, fs::current_path(ec), ec);
    if (ec || rel.empty() || rel.string().rfind("..", 0) == 0)
        return path;
    return rel.string();
}

struct MainOutcome {
    std::mutex mutex;
    std::optional<ProcessException> failure;
};

Task<void> mainBody(ProcessContext& ctx, ScriptEngine* engine, std::shared_ptr<Program> prog, std::shared_ptr<MainOutcome> outcome)
{
    auto m = std::make_unique<Machine>(*engine, &ctx);
    m->setFile(prog->file);
    m->startProgram(prog);
    prog.reset();
    std::optional<ProcessException> failure;
    try {
        co_await runMachine(ctx, *m);
    } catch (ProcessException& e) {
        failure = e;
    }
    if (failure) {
        {
            std::lock_guard lock(outcome->mutex);
            outcome->failure = *failure;
        }
        throw *failure;
    }
}

// Exception.format_exit/1 for the common shapes.
std::string formatExit(const Term& reason, const std::string& indent)
{
    if (reason.isAtom()) {
        std::string_view n = reason.asAtom().name();
        if (n == "normal" || n == "shutdown" || n == "killed" || n == "noproc" || n == "timeout" || n == "noconnection" || n == "calling_self")
            return std::string(n);
    }
    if (reason.isTuple(2) && reason.element(1).isList()) {
        const Term& e = reason.element(0);
        Term stack = reason.element(1);
        std::vector<Term> frames;
        bool looksLikeStack = stack.toVector(frames);
        for (const Term& f : frames)
            if (!f.isTuple(4))
                looksLikeStack = false;
        if (looksLikeStack) {
            std::string text = "an exception was raised:\n" + indent + "    " + formatBanner(ProcessException::Kind::Error, e) + "\n";
            text += formatStacktrace(stack, indent + "        ");
            while (!text.empty() && text.back() == '\n')
                text.pop_back();
            return text;
        }
    }
    return inspect(reason);
}

// The last frame of every error `elixir file.exs` reports: Elixir's file loader.
constexpr const char* kRequireFileFrame = "    (elixir 1.14.0) lib/code.ex:1245: Code.require_file/2\n";

// The line a syntax error is on, with a caret under its column, as Elixir 1.14 shows it:
//     |
//  12 |   y = 1 +* 2
//     |          ^
std::string sourceExcerpt(const std::string& text, int line, int col)
{
    size_t start = 0;
    for (int l = 1; l < line && start != std::string::npos; ++l) {
        start = text.find('\n', start);
        if (start != std::string::npos)
            ++start;
    }
    if (start == std::string::npos || start > text.size() || line < 1 || col < 1)
        return "";
    const size_t end = text.find('\n', start);
    const std::string code = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string number = std::to_string(line);
    if (number.size() < 2)
        number.insert(0, 2 - number.size(), ' ');
    const std::string gutter(number.size() + 1, ' ');
    return gutter + " |\n " + number + " | " + code + "\n" + gutter + " | " + std::string(size_t(col - 1), ' ') + "^\n";
}

// What iex and `elixir file.exs` print for an error nobody caught: the banner with Exception.blame's addition (the
// arguments no clause of a function matched, whose frame then shows its arity), then the stack. A script run ends
// with the frame of Elixir's file loader.
std::string formatUncaught(const ProcessException& e, bool script)
{
    std::string text;
    Term stack = e.stacktrace;
    if (e.kind == ProcessException::Kind::Throw) {
        text = "** (throw) " + inspect(e.reason) + "\n";
    } else if (e.kind == ProcessException::Kind::Exit) {
        text = "** (exit) " + formatExit(e.reason, "") + "\n";
    } else {
        text = formatBanner(e.kind, e.reason, stack);
        const Term ex = normalizeError(e.reason, stack);
        const Term* mod = ex.mapGet(Term::atom(atoms::struct_));
        std::vector<Term> frames;
        stack.toVector(frames);
        const Term top = frames.empty() ? Term() : frames.front();
        std::vector<Term> args;
        const bool callTop
            = top.isTuple(4) && top.element(0).isAtom() && top.element(1).isAtom() && top.element(2).toVector(args);
        if (mod && mod->isAtom(Atom::intern("Elixir.FunctionClauseError")) && callTop) {
            const std::string_view module = top.element(0).asAtom().name();
            const std::string moduleText = module.substr(0, 7) == "Elixir." ? std::string(module.substr(7))
                                                                             : inspectAtom(top.element(0).asAtom());
            const std::string fun
                = moduleText + "." + std::string(top.element(1).asAtom().name()) + "/" + std::to_string(args.size());
            text += "    \n    \n    The following arguments were given to " + fun + ":\n    \n";
            for (size_t i = 0; i < args.size(); ++i)
                text += "        # " + std::to_string(i + 1) + "\n        " + inspect(args[i]) + "\n    \n";
            frames.front()
                = Term::tuple({ top.element(0), top.element(1), Term::integer(int64_t(args.size())), top.element(3) });
            stack = Term::list(std::move(frames));
            text.pop_back(); // the block's last blank line ends the banner
        }
        text += "\n";
    }
    if (!script && e.kind != ProcessException::Kind::Error)
        return text; // the console shows a throw or an exit without the stack
    text += formatStacktrace(stack);
    if (script && e.kind != ProcessException::Kind::Exit)
        text += kRequireFileFrame;
    return text;
}

} // namespace

int runScriptText(const std::string& text, const std::string& file, std::ostream& out, std::ostream& err, RuntimeConfig config)
{
    auto engine = std::make_shared<ScriptEngine>([&out](const std::string& s) {
        out << s;
        out.flush();
    });
    std::shared_ptr<Program> prog;
    try {
        prog = engine->load(text, file);
    } catch (const SyntaxError& e) {
        std::string msg = e.what();
        bool missing = msg.rfind("missing terminator", 0) == 0;
        err << "** (" << (missing ? "TokenMissingError" : "SyntaxError") << ") " << file << ":" << e.line << ":" << e.col << ": " << msg << "\n";
        if (!missing)
            err << sourceExcerpt(text, e.line, e.col);
        err << kRequireFileFrame;
        return 1;
    } catch (const CompileError& e) {
        err << "** (CompileError) " << file << ":" << e.line << ": " << e.what() << "\n" << kRequireFileFrame;
        return 1;
    }
    int code = 0;
    {
        Runtime rt(config);
        auto outcome = std::make_shared<MainOutcome>();
        ScriptEngine* eng = engine.get();
        SpawnOptions opts;
        opts.label = Term::tuple({ mkAtom("elixir_compiler_0"), mkAtom("__FILE__"), Term::integer(1) });
        // Monitored from the start (spawn_monitor is atomic), so even a script that ends at once reports its reason.
        auto watcher = rt.hostProcess();
        opts.monitor = true;
        SpawnResult r = watcher->spawn([eng, prog, outcome](ProcessContext& ctx) { return mainBody(ctx, eng, prog, outcome); }, opts);
        prog.reset();
        Term mainPid = r.pid;
        Runtime* rtp = &rt;
        engine->setOnHalt([rtp, mainPid] { rtp->exit(mainPid, Term::atom(atoms::kill)); });
        if (engine->haltCode())
            rt.exit(mainPid, Term::atom(atoms::kill));
        const Term mainRef = r.monitorRef;
        std::optional<Term> down = watcher->receive(int64_t(1) << 40, [&mainRef](const Term& m) {
            return m.isTuple(5) && m.element(0).isAtom(atoms::DOWN) && m.element(1) == mainRef;
        });
        std::optional<Term> reason;
        if (down)
            reason = down->element(4);
        engine->setOnHalt(nullptr);
        engine->stopLogger();
        out.flush();
        // The VM halts: nothing that is still running prints anything any more.
        engine->silence();
        if (auto halt = engine->haltCode())
            return *halt;
        if (!reason) {
            err << "** (vigil) the script did not finish\n";
            return 1;
        }
        std::optional<ProcessException> failure;
        {
            std::lock_guard lock(outcome->mutex);
            failure = outcome->failure;
        }
        if (failure && diedOfOwnSignal(*failure)) {
            // As the BEAM's script runner reports a main process that an exit signal ended, even a normal one.
            err << "** (EXIT from " << inspect(r.pid) << ") " << formatExit(failure->reason, "") << "\n";
            code = 1;
        } else if (failure) {
            if (failure->kind == ProcessException::Kind::Exit && (failure->reason.isAtom(atoms::normal))) {
                code = 0;
            } else {
                err << formatUncaught(*failure, true);
                code = 1;
            }
        } else if (!reason->isAtom(atoms::normal)) {
            err << "** (EXIT from " << inspect(r.pid) << ") " << formatExit(*reason, "") << "\n";
            code = 1;
        }
    }
    return code;
}

int runScriptFile(const std::string& path, std::ostream& out, std::ostream& err)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err << "** (Code.LoadError) could not load " << path << ". Reason: enoent\n";
        return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    // One worker, as a script's output must not depend on which core picked up a new process first.
    RuntimeConfig config;
    config.workers = 1;
    return runScriptText(ss.str(), displayPath(path), out, err, config);
}

// ---------------------------------------------------------------------------------------------- ScriptRuntime

ScriptRuntime::ScriptRuntime(std::function<void(const std::string&)> output)
    : m_engine(std::make_shared<ScriptEngine>(std::move(output)))
{
}

ScriptRuntime::~ScriptRuntime() = default;

Expected<bool, std::string> ScriptRuntime::load(const std::string& text, const std::string& file)
{
    try {
        m_engine->load(text, file);
        return true;
    } catch (const SyntaxError& e) {
        return unexpected(file + ":" + std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.what());
    } catch (const CompileError& e) {
        return unexpected(file + ":" + std::to_string(e.line) + ": " + e.what());
    }
}

Task<Term> ScriptRuntime::apply(ProcessContext& ctx, Term fun, std::vector<Term> args)
{
    auto m = std::make_unique<Machine>(*m_engine, &ctx);
    m->startApply(fun, std::move(args));
    co_return co_await runMachine(ctx, *m);
}

Task<Term> ScriptRuntime::applyMfa(ProcessContext& ctx, Atom module, Atom function, std::vector<Term> args)
{
    auto m = std::make_unique<Machine>(*m_engine, &ctx);
    m->startMfa(module, function, std::move(args));
    co_return co_await runMachine(ctx, *m);
}

// ---------------------------------------------------------------------------------------------- ScriptSession

struct ScriptSession::Impl {
    Runtime& rt;
    Output output;
    std::shared_ptr<ScriptEngine> engine;
    std::unique_ptr<HostProcess> host;
    std::thread watcher;
    mutable std::mutex mutex;
    std::condition_variable cv;
    int counter = 1;
    int doneCounter = 0;
    bool busy = false;
    Term shell;
    Term shellMonitor;
    bool stopping = false;
    // bindings persist across inputs
    std::vector<std::string> varNames;
    std::vector<Term> varValues;

    Impl(Runtime& r, Output o)
        : rt(r)
        , output(std::move(o))
    {
        engine = std::make_shared<ScriptEngine>([this](const std::string& s) {
            if (output)
                output(s);
        });
        engine->console = true;
        host = rt.hostProcess();
        startShell();
        watcher = std::thread([this] { watch(); });
    }

    ~Impl()
    {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        host->send(host->pid(), mkAtom("$vigil_stop"));
        watcher.join();
        Term s;
        {
            std::lock_guard lock(mutex);
            s = shell;
        }
        host->demonitor(shellMonitor, true);
        rt.exit(s, Term::atom(atoms::kill));
        // Processes the console started keep running in the runtime (they share the engine); they no longer
        // have anywhere to print.
        engine->stopLogger();
        engine->silence();
    }

    void startShell()
    {
        Impl* self = this;
        SpawnOptions opts;
        opts.label = Term::binary("iex shell");
        SpawnResult r = host->spawn([self](ProcessContext& ctx) { return shellBody(ctx, self); }, opts);
        std::lock_guard lock(mutex);
        shell = r.pid;
        shellMonitor = *host->monitor(r.pid);
    }

    static Task<void> shellBody(ProcessContext& ctx, Impl* self)
    {
        Atom evalTag = Atom::intern("$vigil_eval");
        for (;;) {
            std::optional<Term> msg = co_await ctx.receive([evalTag](const Term& t) { return t.isTuple(3) && t.element(0).isAtom(evalTag); });
            if (!msg)
                continue;
            std::string text(msg->element(1).asBinary());
            Term replyTo = msg->element(2);
            std::string outText;
            try {
                std::vector<std::string> names;
                std::vector<Term> values;
                {
                    std::lock_guard lock(self->mutex);
                    names = self->varNames;
                    values = self->varValues;
                }
                auto prog = std::make_shared<Program>();
                prog->file = "iex";
                prog->top = parseProgram(prog->arena, text);
                std::vector<std::string> scopeNames = names;
                self->engine->adopt(prog);
                compileProgram(*self->engine, *prog, true, &scopeNames);
                auto m = std::make_unique<Machine>(*self->engine, &ctx);
                m->setFile("iex");
                std::vector<Term> finalSlots;
                m->consoleSlots = &finalSlots;
                m->startProgram(prog, &values);
                std::optional<ProcessException> failure;
                Term result;
                try {
                    result = co_await runMachine(ctx, *m);
                } catch (ProcessException& e) {
                    failure = e;
                }
                if (failure && diedOfOwnSignal(*failure)) {
                    // the shell dies of its own signal: reported as "shell process exited" when its DOWN arrives
                } else if (failure) {
                    outText = formatUncaught(*failure, false);
                } else {
                    outText = prettyInspect(result) + "\n";
                    std::vector<std::string> newNames;
                    std::vector<Term> newValues;
                    for (const std::string& enc : scopeNames) {
                        auto sep = enc.find('\x01');
                        int slot = std::stoi(enc.substr(sep + 1));
                        newNames.push_back(enc.substr(0, sep));
                        newValues.push_back(size_t(slot) < finalSlots.size() ? finalSlots[size_t(slot)] : Term::nil());
                    }
                    std::lock_guard lock(self->mutex);
                    self->varNames = std::move(newNames);
                    self->varValues = std::move(newValues);
                }
            } catch (const SyntaxError& e) {
                outText = "** (SyntaxError) iex:" + std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.what() + "\n";
            } catch (const CompileError& e) {
                outText = "** (CompileError) iex:" + std::to_string(e.line) + ": " + e.what() + "\n";
            }
            self->engine->write(outText);
            ctx.send(replyTo, Term::tuple({ mkAtom("$vigil_done"), ctx.self() }));
        }
    }

    void watch()
    {
        Atom doneTag = Atom::intern("$vigil_done");
        for (;;) {
            std::optional<Term> msg = host->receive(kInfinity);
            if (!msg)
                continue;
            if (msg->isAtom() && msg->asAtom().name() == "$vigil_stop")
                return;
            if (msg->isTuple(2) && msg->element(0).isAtom(doneTag)) {
                std::lock_guard lock(mutex);
                ++doneCounter;
                ++counter;
                busy = false;
                cv.notify_all();
                continue;
            }
            if (msg->isTuple(5) && msg->element(0).isAtom(atoms::DOWN)) {
                {
                    std::lock_guard lock(mutex);
                    if (stopping)
                        return;
                    if (!(msg->element(1) == shellMonitor))
                        continue;
                }
                const Term& reason = msg->element(4);
                if (output)
                    output("** (EXIT from " + inspect(msg->element(3)) + ") shell process exited with reason: " + formatExit(reason, "") + "\n");
                startShell();
                std::lock_guard lock(mutex);
                if (busy) {
                    ++doneCounter;
                    ++counter;
                    busy = false;
                }
                cv.notify_all();
            }
        }
    }
};

ScriptSession::ScriptSession(Runtime& runtime, Output output)
    : m_impl(std::make_unique<Impl>(runtime, std::move(output)))
{
}

ScriptSession::~ScriptSession() = default;

bool ScriptSession::needsMoreInput(const std::string& text) { return isIncomplete(text); }

bool ScriptSession::evaluate(const std::string& text, int64_t timeoutMs)
{
    Term shell;
    int target;
    {
        std::lock_guard lock(m_impl->mutex);
        shell = m_impl->shell;
        target = m_impl->doneCounter + 1;
        m_impl->busy = true;
    }
    m_impl->host->send(shell, Term::tuple({ mkAtom("$vigil_eval"), Term::binary(text), m_impl->host->pid() }));
    std::unique_lock lock(m_impl->mutex);
    return m_impl->cv.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return m_impl->doneCounter >= target; });
}

std::string ScriptSession::prompt() const { return "iex(" + std::to_string(counter()) + ")> "; }

int ScriptSession::counter() const
{
    std::lock_guard lock(m_impl->mutex);
    return m_impl->counter;
}

Term ScriptSession::shellPid() const
{
    std::lock_guard lock(m_impl->mutex);
    return m_impl->shell;
}

} // namespace vigil
