# Seed 001: a linked process that raises takes the script down; "I'm done." is never printed.
spawn_link(fn ->
  IO.puts "Uh oh..."
  raise("I have failed you.")
end)
:timer.sleep(200)
IO.puts "I'm done."
