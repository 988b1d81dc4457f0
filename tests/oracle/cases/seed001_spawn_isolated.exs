# Seed 001: an unlinked process failing does not affect its spawner.
spawn(fn ->
  IO.puts "In #{inspect is_pid(self())} process"
end)
:timer.sleep(50)

spawn(fn ->
  IO.puts "Uh oh..."
  raise("I have failed you.")
end)
:timer.sleep(100)

IO.puts "I'm done."
