# Lesson 4: processes are lightweight; a stateful key-value process.
# ---
pid = spawn(fn -> 2 * 2 end)
# ---
Process.alive?(pid)
# expect: false
# ---
send(self(), {:hello, "Hi people"})
# ---
receive do
   {:hello, msg} -> IO.puts(msg)
   {:another_case, msg} -> IO.puts("This one won't match!")
end
# expect: Hi people
# ---
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
# ---
{:ok, pid} = KV.start_link
# expect: {:ok, #PID<
# ---
send pid, {:put, :hello, "Hello"}
# ---
send pid, {:get, :hello, self()}
# ---
flush()
# expect: "Hello"
# ---
# Hundreds of thousands of processes at once.
pids = for _ <- 1..100_000, do: spawn(fn -> receive do :stop -> :ok end end)
# ---
length(pids)
# expect: 100000
# ---
Enum.each(pids, &send(&1, :stop))
# expect: :ok
