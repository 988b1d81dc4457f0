# Seed 002: spawn, send and receive, selective receive, timeouts.
pid = spawn fn -> 1 + 2 end
:timer.sleep(20)
IO.inspect Process.alive?(pid)
IO.inspect Process.alive?(self())
IO.inspect send(self(), {:hello, "world"})
r = receive do
  {:hello, msg}  -> msg
  {:world, msg} -> "won't match"
end
IO.inspect r
r = receive do
  {:hello, msg}  -> msg
after
  1_000 -> "nothing after 1s"
end
IO.inspect r
parent = self()
spawn fn -> send(parent, {:hello, self()}) end
r = receive do
  {:hello, pid} -> "Got hello from #{inspect is_pid(pid)}"
end
IO.inspect r
send self(), :hello
receive do
  msg -> IO.inspect msg
after 0 -> IO.puts "empty"
end
spawn fn -> raise "oops" end
:timer.sleep(100)
IO.puts "still alive"
