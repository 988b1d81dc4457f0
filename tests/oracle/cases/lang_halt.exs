# System.halt/1 from another process ends the run with that exit code.
IO.puts "before"
spawn(fn -> System.halt(3) end)
:timer.sleep(1000)
IO.puts "never"
