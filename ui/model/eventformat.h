#pragma once

// Human text and JSON Lines for trace events (event log, inspector, --trace-out). Plain C++.

#include "trace/event.h"

#include <cstdint>
#include <string>

namespace vigil {

enum class EventCategory : uint8_t { Lifecycle, Signals, LinksMonitors, Messages, Supervision, Count };

EventCategory eventCategory(TraceKind kind);
const char* eventCategoryName(EventCategory c);
// Short title, e.g. "exit signal", "child restarted".
const char* eventTitle(TraceKind kind);
// One line of detail, e.g. "#PID<0.85.0> → #PID<0.86.0> :boom (trapped)".
std::string describeEvent(const TraceEvent& e);
// The pid the event is mostly about, and the other pid it names (0 = none).
uint64_t eventSubject(const TraceEvent& e);
uint64_t eventObject(const TraceEvent& e);
// One JSON object on one line, without the trailing newline.
std::string eventJsonLine(const TraceEvent& e);
std::string jsonEscape(const std::string& s);

} // namespace vigil
