#pragma once

// Builders for synthetic trace events, so the graph state and models can be tested without a runtime.

#include "trace/event.h"

#include <vector>

namespace vigil::test {

class EventScript {
public:
    std::vector<TraceEvent> events;

    TraceEvent& add(TraceKind kind, uint64_t pid, uint64_t other = 0, Term data = Term(), Term extra = Term())
    {
        TraceEvent e;
        e.seq = ++m_seq;
        e.timeNs = int64_t(m_seq) * 1000;
        e.kind = kind;
        e.pid = pid;
        e.other = other;
        e.data = std::move(data);
        e.extra = std::move(extra);
        events.push_back(std::move(e));
        return events.back();
    }
    void spawn(uint64_t pid, uint64_t parent, const char* label = nullptr, const char* behaviour = nullptr)
    {
        add(TraceKind::Spawned, pid, parent, label ? Term::binary(label) : Term());
        if (behaviour)
            add(TraceKind::Label, pid, 0, label ? Term::binary(label) : Term(), Term::atom(behaviour));
    }
    void link(uint64_t a, uint64_t b)
    {
        add(TraceKind::Linked, a, b);
        add(TraceKind::Linked, b, a);
    }
    void spawnLink(uint64_t pid, uint64_t parent, const char* label = nullptr, const char* behaviour = nullptr)
    {
        spawn(pid, parent, label, behaviour);
        link(parent, pid);
    }
    void exit(uint64_t pid, Term reason) { add(TraceKind::Exited, pid, 0, std::move(reason)); }
    // overLink: the signal came over a link the receiver held, and ended its half (the engine's count 1).
    void signal(uint64_t from, uint64_t to, Term reason, SignalOutcome outcome, bool overLink = false)
    {
        TraceEvent& e = add(TraceKind::ExitSignal, from, to, std::move(reason));
        e.outcome = outcome;
        e.count = overLink ? 1 : 0;
    }
    void childStarted(uint64_t sup, uint64_t child, const char* id)
    {
        add(TraceKind::ChildStarted, sup, child, Term::atom(id), Term::atom(atoms::one_for_one));
    }
    void childRestarted(uint64_t sup, uint64_t oldPid, uint64_t newPid, const char* id, uint32_t count)
    {
        auto& e = add(TraceKind::ChildRestarted, sup, newPid, Term::atom(id), Term::atom(atoms::one_for_one));
        e.old = oldPid;
        e.count = count;
    }
    void queue(uint64_t to, uint64_t from, Term msg)
    {
        add(TraceKind::MessageSent, from, to, msg);
        add(TraceKind::MessageQueued, to, from, std::move(msg));
    }
    void receive(uint64_t pid, Term msg) { add(TraceKind::MessageReceived, pid, 0, std::move(msg)); }
    uint64_t seq() const { return m_seq; }
    void setSeq(uint64_t s) { m_seq = s; }

private:
    uint64_t m_seq = 0;
};

} // namespace vigil::test
