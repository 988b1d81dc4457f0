# Seed 001: trapping the exit of a linked process that raises.
Process.flag(:trap_exit, true)

spawn_link(fn ->
  IO.puts "Uh oh..."
  raise("I have failed you.")
end)

receive do
  # (sleeps added so that the logger's crash report comes first, as it does on the BEAM given time)
  {:EXIT, pid, :normal} ->
    :timer.sleep(100)
    IO.inspect "Normal exit from #{inspect pid}"
  {:EXIT, pid, msg} ->
    :timer.sleep(100)
    IO.inspect ":EXIT received from #{inspect pid}"
    IO.inspect msg
end

IO.puts "I'm done."
