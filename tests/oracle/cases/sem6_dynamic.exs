# SEMANTICS 6.9: DynamicSupervisor.
defmodule Worker do
  use GenServer
  def start_link(arg), do: GenServer.start_link(__MODULE__, arg)
  def init(arg), do: {:ok, arg}
end

defmodule Case do
  def run do
    {:ok, sup} = DynamicSupervisor.start_link(strategy: :one_for_one, max_children: 2)
    IO.inspect DynamicSupervisor.count_children(sup), label: "empty"
    {:ok, a} = DynamicSupervisor.start_child(sup, {Worker, :a})
    {:ok, b} = DynamicSupervisor.start_child(sup, %{id: :b, start: {Worker, :start_link, [:b]}})
    IO.inspect DynamicSupervisor.start_child(sup, {Worker, :c}), label: "max_children"
    IO.inspect DynamicSupervisor.which_children(sup) |> Enum.map(fn {id, p, t, m} -> {id, is_pid(p), t, m} end), label: "which_children"
    IO.inspect DynamicSupervisor.terminate_child(sup, a), label: "terminate_child"
    IO.inspect DynamicSupervisor.terminate_child(sup, a), label: "terminate again"
    Process.exit(b, :kill)
    :timer.sleep(50)
    [{_, b2, _, _}] = DynamicSupervisor.which_children(sup)
    IO.inspect b2 != b, label: "restarted"
    IO.inspect DynamicSupervisor.count_children(sup), label: "count"
  end
end

Case.run()
