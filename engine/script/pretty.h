#pragma once

// IO.inspect's pretty printing (Inspect.Algebra layout at a given width).

#include "term/print.h"

#include <string>

namespace vigil::script {

std::string prettyInspect(const Term& t, int width = 80, const InspectOptions& options = {}, int startColumn = 0);

} // namespace vigil::script
