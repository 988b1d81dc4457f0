IO.puts "before"
exit(:shutdown_now)
