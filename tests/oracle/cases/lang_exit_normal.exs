IO.puts "before"
exit(:normal)
IO.puts "after"
