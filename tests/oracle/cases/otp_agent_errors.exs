# An error in an Agent's function shows Agent.Server's frame under the function's own. (A get_and_update function
# that returns no {reply, state} pair stops the agent with a bad return value: see the ScriptOtp tests, as that
# report shows the waiting client's stack.)
defmodule Watch do
  def down(pid) do
    ref = Process.monitor(pid)
    receive do
      {:DOWN, ^ref, :process, ^pid, reason} -> reason
    end
  end
end

{:ok, a} = Agent.start(fn -> 1 end)
spawn(fn ->
  {%RuntimeError{message: m}, stack} = Watch.down(a)
  IO.inspect({m, Enum.filter(stack, fn {mod, _, _, _} -> mod == Agent.Server end)}, label: "cast")
end)
:timer.sleep(20)
Agent.cast(a, fn _ -> raise "agent boom" end)
:timer.sleep(50)
