# Seed 003: a stateful key-value process loop, and many lightweight processes.
defmodule KV do
  def start_link do
    Task.start_link(fn -> loop(%{}) end)
  end

  defp loop(map) do
    receive do
      {:get, key, caller} ->
        send caller, Map.get(map, key)
        loop(map)
      {:put, key, value} ->
        loop(Map.put(map, key, value))
    end
  end
end

{:ok, pid} = KV.start_link
send pid, {:put, :hello, "Hello"}
send pid, {:get, :hello, self()}
receive do
  msg -> IO.inspect msg
end

send(self(), {:hello, "Hi people"})
receive do
   {:hello, msg} -> IO.puts(msg)
   {:another_case, msg} -> IO.puts("This one won't match!")
end

pids = Enum.map(1..10_000, fn i -> spawn(fn -> receive do :stop -> i end end) end)
IO.inspect length(pids)
IO.inspect Enum.all?(pids, &Process.alive?/1)
Enum.each(pids, fn p -> send(p, :stop) end)
:timer.sleep(200)
IO.inspect Enum.any?(pids, &Process.alive?/1)
