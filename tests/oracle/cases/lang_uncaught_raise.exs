# An uncaught error in the script: stdout has what was printed before, the exit code is 1.
IO.puts "before"
raise "the end"
IO.puts "after"
