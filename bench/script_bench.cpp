// Scripted (Elixir) processes on Vigil's script runtime: runs one workload of bench/script/vigil_bench.exs.
//
//   script_bench WORKLOAD [--n N] [--source FILE]
//
// The script measures itself and prints the RESULT line (same format as engine_bench).

#include "script/script.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#ifndef VIGIL_BENCH_SCRIPT
#define VIGIL_BENCH_SCRIPT "bench/script/vigil_bench.exs"
#endif

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: script_bench WORKLOAD [--n N] [--source FILE]\n");
        return 1;
    }
    const std::string workload = argv[1];
    long long n = 0;
    std::string source = VIGIL_BENCH_SCRIPT;
    for (int i = 2; i < argc; ++i) {
        if (std::strcmp(argv[i], "--n") == 0 && i + 1 < argc)
            n = std::atoll(argv[++i]);
        else if (std::strcmp(argv[i], "--source") == 0 && i + 1 < argc)
            source = argv[++i];
    }
    std::ifstream f(source);
    if (!f) {
        std::fprintf(stderr, "cannot read %s\n", source.c_str());
        return 1;
    }
    std::stringstream text;
    text << f.rdbuf();
    text << "\nVigilBench.main(:" << workload << ", " << n << ")\n";
    const int rc = vigil::runScriptText(text.str(), "vigil_bench.exs", std::cout, std::cerr,
        vigil::RuntimeConfig { .workers = 2 });
    std::cout.flush();
    std::_Exit(rc);
}
