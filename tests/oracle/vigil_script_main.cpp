// vigil-script: the engine-only headless runner (`vigil-script FILE.exs` behaves like `vigil --script FILE.exs`).

#include "script/script.h"

#include <iostream>

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: vigil-script FILE.exs\n";
        return 2;
    }
    return vigil::runScriptFile(argv[1], std::cout, std::cerr);
}
