// The part of the standard library written in the subset itself: higher-order Enum/Map/List functions and the
// OTP layer for scripts (GenServer, Task, Agent; Supervisor and DynamicSupervisor build child specs and delegate
// to engine/otp). Written here so callbacks run on the interpreter's explicit stack and may block in receive. The message protocols are OTP's
// ({:"$gen_call", {pid, tag}, req} / {tag, reply}, {:"$gen_cast", msg}, {:ack, pid, result}), so scripted
// processes and native behaviours can talk to each other.

#include "script/machine.h"

#include <string>

namespace vigil::script {

const char* const kPreludeSource = R"ELIXIR(
defmodule Enum do
  def map(enum, fun), do: map_list(Enum.to_list(enum), fun, [])
  defp map_list([], _fun, acc), do: Enum.reverse(acc)
  defp map_list([h | t], fun, acc), do: map_list(t, fun, [fun.(h) | acc])

  def each(enum, fun), do: each_list(Enum.to_list(enum), fun)
  defp each_list([], _fun), do: :ok
  defp each_list([h | t], fun) do
    fun.(h)
    each_list(t, fun)
  end

  def reduce(enum, fun) do
    case Enum.to_list(enum) do
      [] -> raise Enum.EmptyError
      [h | t] -> reduce_list(t, h, fun)
    end
  end
  def reduce(enum, acc, fun), do: reduce_list(Enum.to_list(enum), acc, fun)
  defp reduce_list([], acc, _fun), do: acc
  defp reduce_list([h | t], acc, fun), do: reduce_list(t, fun.(h, acc), fun)

  def reduce_while(enum, acc, fun), do: reduce_while_list(Enum.to_list(enum), acc, fun)
  defp reduce_while_list([], acc, _fun), do: acc
  defp reduce_while_list([h | t], acc, fun) do
    case fun.(h, acc) do
      {:cont, acc2} -> reduce_while_list(t, acc2, fun)
      {:halt, acc2} -> acc2
    end
  end

  def map_reduce(enum, acc, fun) do
    {items, acc2} = reduce_list(Enum.to_list(enum), {[], acc}, fn x, {items, a} ->
      {y, a2} = fun.(x, a)
      {[y | items], a2}
    end)
    {Enum.reverse(items), acc2}
  end

  def filter(enum, fun), do: filter_list(Enum.to_list(enum), fun, [])
  defp filter_list([], _fun, acc), do: Enum.reverse(acc)
  defp filter_list([h | t], fun, acc) do
    if fun.(h), do: filter_list(t, fun, [h | acc]), else: filter_list(t, fun, acc)
  end

  def reject(enum, fun), do: filter(enum, fn x -> !fun.(x) end)

  def find(enum, fun), do: find(enum, nil, fun)
  def find(enum, default, fun), do: find_list(Enum.to_list(enum), default, fun)
  defp find_list([], default, _fun), do: default
  defp find_list([h | t], default, fun) do
    if fun.(h), do: h, else: find_list(t, default, fun)
  end

  def find_index(enum, fun), do: find_index_list(Enum.to_list(enum), fun, 0)
  defp find_index_list([], _fun, _i), do: nil
  defp find_index_list([h | t], fun, i) do
    if fun.(h), do: i, else: find_index_list(t, fun, i + 1)
  end

  def find_value(enum, fun), do: find_value_list(Enum.to_list(enum), fun)
  defp find_value_list([], _fun), do: nil
  defp find_value_list([h | t], fun) do
    v = fun.(h)
    if v, do: v, else: find_value_list(t, fun)
  end

  def any?(enum), do: any?(enum, fn x -> x end)
  def any?(enum, fun), do: any_list(Enum.to_list(enum), fun)
  defp any_list([], _fun), do: false
  defp any_list([h | t], fun) do
    if fun.(h), do: true, else: any_list(t, fun)
  end

  def all?(enum), do: all?(enum, fn x -> x end)
  def all?(enum, fun), do: all_list(Enum.to_list(enum), fun)
  defp all_list([], _fun), do: true
  defp all_list([h | t], fun) do
    if fun.(h), do: all_list(t, fun), else: false
  end

  def count(enum, fun), do: Enum.count(filter(enum, fun))

  def flat_map(enum, fun), do: flat_map_list(Enum.to_list(enum), fun, [])
  defp flat_map_list([], _fun, acc), do: Enum.reverse(acc)
  defp flat_map_list([h | t], fun, acc), do: flat_map_list(t, fun, Enum.reverse(Enum.to_list(fun.(h))) ++ acc)

  def map_join(enum, joiner \\ "", fun), do: Enum.join(map(enum, fun), joiner)

  def each_with_index(enum, fun), do: each(Enum.with_index(enum), fun)

  def sort(enum, fun) when is_function(fun, 2), do: sort_list(Enum.to_list(enum), fun)
  def sort(enum, :asc), do: Enum.sort(enum)
  def sort(enum, :desc), do: Enum.reverse(Enum.sort(enum))
  defp sort_list([], _fun), do: []
  defp sort_list([x], _fun), do: [x]
  defp sort_list(list, fun) do
    {a, b} = Enum.split(list, div(length(list), 2))
    merge(sort_list(a, fun), sort_list(b, fun), fun, [])
  end
  defp merge([], b, _fun, acc), do: Enum.reverse(acc) ++ b
  defp merge(a, [], _fun, acc), do: Enum.reverse(acc) ++ a
  defp merge([x | xs], [y | ys], fun, acc) do
    if fun.(x, y), do: merge(xs, [y | ys], fun, [x | acc]), else: merge([x | xs], ys, fun, [y | acc])
  end

  def sort_by(enum, mapper, order \\ :asc) do
    pairs = map(enum, fn x -> {mapper.(x), x} end)
    cmp = if order == :desc, do: fn {a, _}, {b, _} -> a >= b end, else: fn {a, _}, {b, _} -> a <= b end
    map(sort_list(pairs, cmp), fn {_, x} -> x end)
  end

  def min_by(enum, fun), do: hd(sort_by(enum, fun))
  def max_by(enum, fun), do: hd(sort_by(enum, fun, :desc))

  def group_by(enum, fun) do
    reduce(Enum.reverse(Enum.to_list(enum)), %{}, fn x, acc ->
      k = fun.(x)
      Map.put(acc, k, [x | Map.get(acc, k, [])])
    end)
  end

  def split_with(enum, fun) do
    list = Enum.to_list(enum)
    {filter(list, fun), reject(list, fun)}
  end

  def take_while(enum, fun), do: take_while_list(Enum.to_list(enum), fun, [])
  defp take_while_list([], _fun, acc), do: Enum.reverse(acc)
  defp take_while_list([h | t], fun, acc) do
    if fun.(h), do: take_while_list(t, fun, [h | acc]), else: Enum.reverse(acc)
  end

  def drop_while(enum, fun), do: drop_while_list(Enum.to_list(enum), fun)
  defp drop_while_list([], _fun), do: []
  defp drop_while_list([h | t], fun) do
    if fun.(h), do: drop_while_list(t, fun), else: [h | t]
  end

  def uniq_by(enum, fun) do
    {items, _} = reduce(Enum.to_list(enum), {[], []}, fn x, {items, seen} ->
      k = fun.(x)
      if Enum.member?(seen, k), do: {items, seen}, else: {[x | items], [k | seen]}
    end)
    Enum.reverse(items)
  end

  def into(enum, collectable, fun), do: Enum.into(map(enum, fun), collectable)

  def zip_with(a, b, fun), do: map(Enum.zip(a, b), fn {x, y} -> fun.(x, y) end)

  def sum_by(enum, fun), do: Enum.sum(map(enum, fun))

  # chunks of `count` starting every `step` elements; an incomplete last chunk is dropped (leftover :discard) or
  # filled from `leftover`
  def chunk_every(enum, count, step, leftover \\ []), do: chunk_step(Enum.to_list(enum), count, step, leftover, [])

  defp chunk_step(list, count, step, leftover, acc) do
    {chunk, rest} = Enum.split(list, count)
    n = length(chunk)
    cond do
      n == count and rest == [] and step >= count -> Enum.reverse([chunk | acc])
      n == count -> chunk_step(Enum.drop(list, step), count, step, leftover, [chunk | acc])
      n == 0 or leftover == :discard -> Enum.reverse(acc)
      true -> Enum.reverse([chunk ++ Enum.take(leftover, count - n) | acc])
    end
  end

  def unzip(enum) do
    pairs = Enum.to_list(enum)
    {map(pairs, fn {a, _} -> a end), map(pairs, fn {_, b} -> b end)}
  end

  def min_max(enum), do: {Enum.min(enum), Enum.max(enum)}
  def product(enum), do: Enum.reduce(enum, 1, fn x, acc -> x * acc end)

  def slice(enum, %{first: first, last: last, step: 1}) do
    list = Enum.to_list(enum)
    len = length(list)
    first = if first < 0, do: max(len + first, 0), else: first
    last = if last < 0, do: len + last, else: last
    if first > last or first >= len, do: [], else: Enum.slice(list, first, last - first + 1)
  end

  def intersperse(enum, separator) do
    case Enum.to_list(enum) do
      [] -> []
      [first | rest] -> [first | Enum.flat_map(rest, fn x -> [separator, x] end)]
    end
  end

  def scan(enum, fun) do
    case Enum.to_list(enum) do
      [] -> []
      [first | rest] -> [first | scan(rest, first, fun)]
    end
  end

  def scan(enum, acc, fun) do
    {out, _} = Enum.map_reduce(enum, acc, fn x, acc -> (next = fun.(x, acc); {next, next}) end)
    out
  end
end

defmodule Kernel do
  def then(value, fun), do: fun.(value)
  def tap(value, fun) do
    fun.(value)
    value
  end
end

defmodule Map do
  def update(map, key, default, fun) do
    case Map.fetch(map, key) do
      {:ok, v} -> Map.put(map, key, fun.(v))
      :error -> Map.put(map, key, default)
    end
  end

  def update!(map, key, fun) do
    case Map.fetch(map, key) do
      {:ok, v} -> Map.put(map, key, fun.(v))
      :error -> :erlang.error({:badkey, key, map})
    end
  end

  def get_lazy(map, key, fun) do
    case Map.fetch(map, key) do
      {:ok, v} -> v
      :error -> fun.()
    end
  end

  def put_new_lazy(map, key, fun) do
    if Map.has_key?(map, key), do: map, else: Map.put(map, key, fun.())
  end

  def get_and_update(map, key, fun) do
    case fun.(Map.get(map, key)) do
      {get, new} -> {get, Map.put(map, key, new)}
      :pop -> Map.pop(map, key)
    end
  end

  def filter(map, fun), do: Map.new(Enum.filter(Map.to_list(map), fun))
  def reject(map, fun), do: Map.new(Enum.reject(Map.to_list(map), fun))
  def new(enum, fun), do: Map.new(Enum.map(enum, fun))

  def split(map, keys) do
    {Map.take(map, keys), Map.drop(map, keys)}
  end
end

defmodule List do
  def foldl(list, acc, fun), do: Enum.reduce(list, acc, fun)
  def foldr(list, acc, fun), do: Enum.reduce(Enum.reverse(list), acc, fun)

  def zip([]), do: []
  def zip(lists) do
    if Enum.any?(lists, &(&1 == [])) do
      []
    else
      [List.to_tuple(Enum.map(lists, &hd/1)) | zip(Enum.map(lists, &tl/1))]
    end
  end

  def replace_at(list, index, value) do
    index = if index < 0, do: length(list) + index, else: index
    if index < 0, do: list, else: Enum.with_index(list) |> Enum.map(fn {x, i} -> if i == index, do: value, else: x end)
  end
end

defmodule Tuple do
  def insert_at(tuple, index, value), do: List.to_tuple(List.insert_at(Tuple.to_list(tuple), index, value))
  def delete_at(tuple, index), do: List.to_tuple(List.delete_at(Tuple.to_list(tuple), index))
end

defmodule Integer do
  def digits(n, base \\ 10), do: signed_digits(n, base)

  defp signed_digits(0, _base), do: [0]
  defp signed_digits(n, base) when n < 0, do: Enum.map(digits_of(-n, base, []), &(-&1))
  defp signed_digits(n, base), do: digits_of(n, base, [])

  defp digits_of(0, _base, acc), do: acc
  defp digits_of(n, base, acc), do: digits_of(div(n, base), base, [rem(n, base) | acc])

  def pow(base, exponent) when is_integer(exponent) and exponent >= 0, do: pow_of(base, exponent, 1)
  defp pow_of(_base, 0, acc), do: acc
  defp pow_of(base, e, acc), do: pow_of(base, e - 1, acc * base)

  def mod(a, b) do
    r = rem(a, b)
    if r != 0 and (r < 0) != (b < 0), do: r + b, else: r
  end

  def floor_div(a, b) do
    q = div(a, b)
    if rem(a, b) != 0 and (a < 0) != (b < 0), do: q - 1, else: q
  end
end

defmodule Keyword do
  def merge(kw1, kw2) do
    keys = Enum.map(kw2, fn {k, _} -> k end)
    Enum.reject(kw1, fn {k, _} -> k in keys end) ++ kw2
  end

  def get_values(kw, key), do: for({^key, v} <- kw, do: v)

  def update(kw, key, default, fun) do
    case Keyword.fetch(kw, key) do
      {:ok, v} -> Keyword.put(kw, key, fun.(v))
      :error -> Keyword.put(kw, key, default)
    end
  end
end

defmodule GenServer do
  def start_link(mod, arg, opts \\ []), do: start_server(mod, arg, opts, true)
  def start(mod, arg, opts \\ []), do: start_server(mod, arg, opts, false)

  def start_server(mod, arg, opts, link) do
    name = Keyword.get(opts, :name)
    starter = self()
    parent = if link, do: starter, else: nil
    label = if name == nil, do: mod, else: name
    pid = :vigil.spawn_opts(fn -> init_it(starter, parent, mod, arg, name) end, link, label, :gen_server)
    ref = Process.monitor(pid)
    receive do
      {:ack, ^pid, result} ->
        Process.demonitor(ref, [:flush])
        result
      {:DOWN, ^ref, :process, ^pid, reason} ->
        {:error, reason}
    end
  end

  def init_it(starter, parent, mod, arg, name) do
    parent = if parent == nil, do: self(), else: parent
    registered =
      if name == nil do
        :ok
      else
        case Process.whereis(name) do
          nil ->
            Process.register(self(), name)
            :ok
          other -> {:error, {:already_started, other}}
        end
      end
    case registered do
      :ok -> run_init(starter, parent, mod, arg, name)
      err ->
        send(starter, {:ack, self(), err})
        exit(:normal)
    end
  end

  defp run_init(starter, parent, mod, arg, name) do
    case safe_apply(mod, :init, [arg]) do
      {:ok, {:ok, state}} ->
        send(starter, {:ack, self(), {:ok, self()}})
        :vigil.set_state(state)
        loop(parent, mod, state, name, :infinity)
      {:ok, {:ok, state, timeout}} ->
        send(starter, {:ack, self(), {:ok, self()}})
        :vigil.set_state(state)
        continue_or_loop(parent, mod, state, name, timeout)
      {:ok, :ignore} ->
        send(starter, {:ack, self(), :ignore})
        exit(:normal)
      {:ok, {:stop, reason}} ->
        send(starter, {:ack, self(), {:error, reason}})
        exit(reason)
      {:ok, other} ->
        reason = {:bad_return_value, other}
        send(starter, {:ack, self(), {:error, reason}})
        exit(reason)
      {:raised, kind, r, stack} ->
        reason = exit_reason(kind, r, stack ++ :vigil.otp_frames(:init))
        send(starter, {:ack, self(), {:error, reason}})
        :vigil.raise_exit(reason)
    end
  end

  # {:ok, value} or {:raised, kind, reason, stacktrace}
  def safe_apply(mod, fun, args) do
    try do
      {:ok, apply(mod, fun, args)}
    catch
      kind, reason -> {:raised, kind, reason, :vigil.stacktrace()}
    end
  end

  def exit_reason(:exit, reason, _stack), do: reason
  def exit_reason(:error, reason, stack), do: {reason, stack}
  def exit_reason(:throw, value, stack), do: {{:nocatch, value}, stack}

  defp continue_or_loop(parent, mod, state, name, {:continue, arg}) do
    handle_result(parent, mod, state, name, safe_apply(mod, :handle_continue, [arg, state]), {:continue, arg}, nil)
  end
  defp continue_or_loop(parent, mod, state, name, :hibernate), do: loop(parent, mod, state, name, :infinity)
  defp continue_or_loop(parent, mod, state, name, timeout), do: loop(parent, mod, state, name, timeout)

  defp loop(parent, mod, state, name, timeout) do
    receive do
      msg -> dispatch(parent, mod, state, name, msg)
    after
      timeout -> dispatch(parent, mod, state, name, :timeout)
    end
  end

  defp dispatch(parent, mod, state, name, msg) do
    case msg do
      {:"$gen_call", from, request} ->
        r =
          if function_exported?(mod, :handle_call, 3) do
            safe_apply(mod, :handle_call, [request, from, state])
          else
            {:raised, :error,
             :vigil.runtime_error("attempted to call GenServer #{self_name()} but no handle_call/3 clause was provided"),
             [{mod, :handle_call, 3, [file: 'lib/gen_server.ex', line: 787, error_info: %{module: Exception}]}]}
          end
        handle_result(parent, mod, state, name, r, msg, from)
      {:"$gen_cast", request} ->
        r =
          if function_exported?(mod, :handle_cast, 2) do
            safe_apply(mod, :handle_cast, [request, state])
          else
            {:raised, :error,
             :vigil.runtime_error("attempted to cast GenServer #{self_name()} but no handle_cast/2 clause was provided"),
             [{mod, :handle_cast, 2, [file: 'lib/gen_server.ex', line: 832, error_info: %{module: Exception}]}]}
          end
        handle_result(parent, mod, state, name, r, msg, nil)
      {:system, _from, {:terminate, reason}} ->
        terminate(mod, reason, state, msg, false)
        if not normal_reason?(reason), do: log_crash(:exit, reason, [], state, [], name)
        exit(reason)
      {:EXIT, ^parent, reason} ->
        terminate(mod, reason, state, msg, false)
        if not normal_reason?(reason), do: log_crash(:exit, reason, [], state, msg, name)
        exit(reason)
      _ ->
        if function_exported?(mod, :handle_info, 2) do
          handle_result(parent, mod, state, name, safe_apply(mod, :handle_info, [msg, state]), msg, nil)
        else
          proc = if name == nil, do: inspect(self()), else: inspect(name)
          :vigil.log_error("#{inspect(mod)} #{proc} received unexpected message in handle_info/2: #{inspect(msg)}\n")
          loop(parent, mod, state, name, :infinity)
        end
    end
  end

  defp handle_result(parent, mod, state, name, r, msg, from) do
    case r do
      {:ok, {:reply, reply, new_state}} ->
        GenServer.reply(from, reply)
        :vigil.set_state(new_state)
        loop(parent, mod, new_state, name, :infinity)
      {:ok, {:reply, reply, new_state, timeout}} ->
        GenServer.reply(from, reply)
        :vigil.set_state(new_state)
        continue_or_loop(parent, mod, new_state, name, timeout)
      {:ok, {:noreply, new_state}} ->
        :vigil.set_state(new_state)
        loop(parent, mod, new_state, name, :infinity)
      {:ok, {:noreply, new_state, timeout}} ->
        :vigil.set_state(new_state)
        continue_or_loop(parent, mod, new_state, name, timeout)
      {:ok, {:stop, reason, reply, new_state}} ->
        GenServer.reply(from, reply)
        stop_server(mod, :exit, reason, [], new_state, msg, name)
      {:ok, {:stop, reason, new_state}} ->
        stop_server(mod, :exit, reason, [], new_state, msg, name)
      {:ok, other} ->
        stop_server(mod, :exit, {:bad_return_value, other}, [], state, msg, name)
      {:raised, kind, reason, stack} ->
        frames = case msg do
          {:"$gen_call", _, _} -> :vigil.otp_frames(:call)
          _ -> :vigil.otp_frames(:dispatch)
        end
        stop_server(mod, kind, reason, stack ++ frames, state, msg, name)
    end
  end

  defp stop_server(mod, kind, r, stack, state, msg, name) do
    reason = exit_reason(kind, r, stack)
    terminate(mod, reason, state, msg, false)
    if kind != :exit or not normal_reason?(r), do: log_crash(kind, r, stack, state, msg, name)
    :vigil.raise_exit(reason)
  end

  defp terminate(mod, reason, state, msg, _report) do
    if function_exported?(mod, :terminate, 2) do
      case safe_apply(mod, :terminate, [reason, state]) do
        {:raised, kind, r, stack} ->
          log_crash(kind, r, stack, state, msg, nil)
          :vigil.raise_exit(exit_reason(kind, r, stack))
        _ -> :ok
      end
    end
    :ok
  end

  # how use GenServer's default callbacks name the server: its registered name, else its pid
  defp self_name() do
    case Process.info(self(), :registered_name) do
      {:registered_name, name} when is_atom(name) -> inspect(name)
      _ -> inspect(self())
    end
  end

  defp normal_reason?(:normal), do: true
  defp normal_reason?(:shutdown), do: true
  defp normal_reason?({:shutdown, _}), do: true
  defp normal_reason?(_), do: false

  defp client_name(pid) do
    case Process.info(pid, :registered_name) do
      {:registered_name, name} when is_atom(name) -> inspect(name)
      _ -> inspect(pid)
    end
  end

  defp log_crash(kind, reason, stack, state, msg, name) do
    last =
      case msg do
        {:"$gen_call", {from, _}, req} -> "Last message (from #{client_name(from)}): #{inspect(req)}"
        other -> "Last message: #{inspect(other)}"
      end
    client =
      case msg do
        {:"$gen_call", {from, _}, _} ->
          if Process.alive?(from), do: "\nClient #{client_name(from)} is alive\n", else: "\nClient #{client_name(from)} is dead"
        _ -> ""
      end
    proc = if name == nil, do: inspect(self()), else: inspect(name)
    :vigil.log_error("GenServer #{proc} terminating\n" <> :vigil.format_report(kind, reason, stack) <> last <> "\nState: #{inspect(state)}" <> client)
  end

  def call(server, request, timeout \\ 5000) do
    pid = GenServer.whereis(server)
    cond do
      pid == nil -> exit({:noproc, {GenServer, :call, [server, request, timeout]}})
      pid == self() -> exit({:calling_self, {GenServer, :call, [server, request, timeout]}})
      true ->
        ref = Process.monitor(pid)
        # OTP 25 tags a call with the monitor made an alias: the server sees {caller, [:alias | ref]}
        send(pid, {:"$gen_call", {self(), [:alias | ref]}, request})
        receive do
          {[:alias | ^ref], reply} ->
            Process.demonitor(ref, [:flush])
            reply
          {:DOWN, ^ref, :process, _, reason} ->
            exit({reason, {GenServer, :call, [server, request, timeout]}})
        after
          timeout ->
            Process.demonitor(ref, [:flush])
            exit({:timeout, {GenServer, :call, [server, request, timeout]}})
        end
    end
  end

  def cast(server, request) do
    case GenServer.whereis(server) do
      nil -> :ok
      pid ->
        send(pid, {:"$gen_cast", request})
        :ok
    end
  end

  def reply({pid, ref}, reply) do
    send(pid, {ref, reply})
    :ok
  end

  def stop(server, reason \\ :normal, timeout \\ :infinity) do
    case GenServer.whereis(server) do
      nil -> exit({:noproc, {GenServer, :stop, [server, reason, timeout]}})
      pid ->
        ref = Process.monitor(pid)
        send(pid, {:system, {self(), ref}, {:terminate, reason}})
        receive do
          {:DOWN, ^ref, :process, _, ^reason} -> :ok
          {:DOWN, ^ref, :process, _, other} -> exit({other, {GenServer, :stop, [server, reason, timeout]}})
        after
          timeout ->
            Process.demonitor(ref, [:flush])
            exit({:timeout, {GenServer, :stop, [server, reason, timeout]}})
        end
    end
  end

  def whereis(server) when is_pid(server), do: server
  def whereis(server) when is_atom(server), do: Process.whereis(server)
  def whereis({:global, _}), do: nil
  def whereis({name, _node}) when is_atom(name), do: Process.whereis(name)
end

)ELIXIR";

// Supervisor and DynamicSupervisor are the engine's native ones (engine/otp, through otpbridge.cpp): the GUI shows
// them as real supervisors with their ChildStarted/ChildRestarted events. These modules only build child specs and
// forward the calls.
const char* const kPreludeSupervisors = R"ELIXIR(
defmodule Supervisor do
  # Supervisors are the engine's native ones (engine/otp); this module builds their child specs.
  def start_link(children, opts) when is_list(children) do
    {:ok, {flags, specs}} = Supervisor.init(children, opts)
    :vigil.sup_start_link(Enum.map(specs, &Supervisor.normalize_spec/1), flags, Keyword.get(opts, :name))
  end

  def start_link(mod, arg) when is_atom(mod), do: :vigil.sup_start_link_module(mod, arg, nil)
  def start_link(mod, arg, opts), do: :vigil.sup_start_link_module(mod, arg, Keyword.get(opts, :name))

  # runs inside the new supervisor for module-based supervisors
  def module_init_spec(mod, arg) do
    case mod.init(arg) do
      {:ok, {{strategy, intensity, period}, specs}} ->
        # Supervisor.Spec.supervise/2's flags, as the BEAM's supervisor still takes them
        flags = %{strategy: strategy, intensity: intensity, period: period}
        {:ok, flags, Enum.map(specs, &Supervisor.normalize_spec/1)}
      {:ok, {flags, specs}} -> {:ok, flags, Enum.map(specs, &Supervisor.normalize_spec/1)}
      :ignore -> :ignore
      other -> exit({:bad_return, {mod, :init, other}})
    end
  end

  def init(children, opts) do
    strategy = Keyword.get(opts, :strategy)
    if strategy == nil, do: raise(ArgumentError, "expected :strategy option to be given")
    flags = %{
      strategy: strategy,
      intensity: Keyword.get(opts, :max_restarts, 3),
      period: Keyword.get(opts, :max_seconds, 5)
    }
    # Elixir 1.14's Supervisor.init/2 does not pass :auto_shutdown on (it stays :never)
    {:ok, {flags, Enum.map(children, &Supervisor.child_spec(&1, []))}}
  end

  # Supervisor.child_spec/2: the module's spec with the overrides applied
  def child_spec(spec, overrides) do
    base =
      case spec do
        %{} -> spec
        {mod, arg} when is_atom(mod) -> mod_child_spec(mod, arg)
        mod when is_atom(mod) -> mod_child_spec(mod, [])
        {id, {m, f, a}, restart, shutdown, type, modules} ->
          # Supervisor.Spec's tuple (worker/2, supervisor/2)
          %{id: id, start: {m, f, a}, restart: restart, shutdown: shutdown, type: type, modules: modules}
        other -> raise ArgumentError, "invalid child specification: #{inspect(other)}"
      end
    base =
      Enum.reduce(overrides, base, fn
        {key, value}, acc when key in [:id, :start, :restart, :shutdown, :type, :modules, :significant] ->
          Map.put(acc, key, value)
        {key, _value}, _acc ->
          raise ArgumentError, "unknown key #{inspect(key)} in child specification override"
      end)
    unless Map.has_key?(base, :id) and Map.has_key?(base, :start) do
      raise ArgumentError, "missing :id or :start in child specification: #{inspect(spec)}"
    end
    base
  end

  # the spec with every default filled in
  def normalize_spec(spec) do
    base = child_spec(spec, [])
    type = Map.get(base, :type, :worker)
    default_shutdown = if type == :supervisor, do: :infinity, else: 5000
    %{
      id: base.id,
      start: base.start,
      restart: Map.get(base, :restart, :permanent),
      shutdown: Map.get(base, :shutdown, default_shutdown),
      type: type,
      significant: Map.get(base, :significant, false)
    }
  end

  # child_spec/1 of a module that says `use GenServer` (Supervisor, Agent, Task, DynamicSupervisor), with the
  # use's options as overrides
  def __use_child_spec__(mod, kind, arg, opts) do
    default = %{id: mod, start: {mod, :start_link, [arg]}}
    default =
      case kind do
        :supervisor -> Map.put(default, :type, :supervisor)
        :dynamic_supervisor -> Map.put(default, :type, :supervisor)
        :task -> Map.put(default, :restart, :temporary)
        _ -> default
      end
    Supervisor.child_spec(default, opts)
  end

  defp mod_child_spec(mod, arg) do
    if function_exported?(mod, :child_spec, 1) do
      mod.child_spec(arg)
    else
      case :vigil.behaviours(mod) do
        [] -> raise ArgumentError, "The module #{inspect(mod)} was given as a child to a supervisor but it does not implement child_spec/1."
        behaviours ->
          spec = %{id: mod, start: {mod, :start_link, [arg]}}
          cond do
            Enum.member?(behaviours, :supervisor) -> Map.put(spec, :type, :supervisor)
            Enum.member?(behaviours, :dynamic_supervisor) -> Map.put(spec, :type, :supervisor)
            Enum.member?(behaviours, :task) -> Map.put(spec, :restart, :temporary)
            true -> spec
          end
      end
    end
  end

  def which_children(sup), do: :vigil.sup_op(:which_children, sup, nil)
  def count_children(sup), do: :vigil.sup_op(:count_children, sup, nil)
  def terminate_child(sup, id), do: :vigil.sup_op(:terminate_child, sup, id)
  def restart_child(sup, id), do: :vigil.sup_op(:restart_child, sup, id)
  def delete_child(sup, id), do: :vigil.sup_op(:delete_child, sup, id)
  def start_child(sup, spec), do: :vigil.sup_op(:start_child, sup, Supervisor.normalize_spec(spec))
  def stop(sup, reason \\ :normal, timeout \\ :infinity), do: GenServer.stop(sup, reason, timeout)
end

# Deprecated since Elixir 1.5 but still in 1.14, and imported by `use Supervisor`: older articles build their
# supervisors with it.
defmodule Supervisor.Spec do
  def worker(module, args, options \\ []), do: child(:worker, module, args, options)
  def supervisor(module, args, options \\ []), do: child(:supervisor, module, args, options)

  def supervise(children, options) do
    strategy = Keyword.get(options, :strategy)
    if strategy == nil, do: raise(ArgumentError, "expected :strategy option to be given")
    ids = Enum.map(children, fn child -> elem(child, 0) end)
    if length(Enum.uniq(ids)) != length(ids) do
      raise ArgumentError,
            "duplicated ID #{inspect(hd(ids -- Enum.uniq(ids)))} found in the supervisor specification, " <>
              "please explicitly pass the :id option when defining this worker/supervisor"
    end
    {:ok, {{strategy, Keyword.get(options, :max_restarts, 3), Keyword.get(options, :max_seconds, 5)}, children}}
  end

  defp child(type, module, args, options) do
    default_shutdown = if type == :supervisor, do: :infinity, else: 5000
    {Keyword.get(options, :id, module), {module, Keyword.get(options, :function, :start_link), args},
     Keyword.get(options, :restart, :permanent), Keyword.get(options, :shutdown, default_shutdown), type,
     Keyword.get(options, :modules, [module])}
  end
end

defmodule DynamicSupervisor do
  def start_link(opts) when is_list(opts) do
    {:ok, flags} = DynamicSupervisor.init(opts)
    :vigil.dynsup_start_link(flags, Keyword.get(opts, :name), nil)
  end
  def start_link(mod, arg, opts \\ []) do
    case mod.init(arg) do
      {:ok, flags} -> :vigil.dynsup_start_link(flags, Keyword.get(opts, :name), mod)
      :ignore -> :ignore
      other -> {:error, {:bad_return, {mod, :init, other}}}
    end
  end

  def init(opts) do
    {:ok, %{strategy: Keyword.get(opts, :strategy, :one_for_one), intensity: Keyword.get(opts, :max_restarts, 3),
            period: Keyword.get(opts, :max_seconds, 5), max_children: Keyword.get(opts, :max_children, :infinity),
            extra_arguments: Keyword.get(opts, :extra_arguments, [])}}
  end

  def child_spec(opts) do
    %{id: Keyword.get(opts, :name, DynamicSupervisor), start: {DynamicSupervisor, :start_link, [opts]}, type: :supervisor}
  end

  def start_child(sup, spec), do: :vigil.sup_op(:dyn_start_child, sup, Supervisor.normalize_spec(spec))
  def terminate_child(sup, pid), do: :vigil.sup_op(:dyn_terminate_child, sup, pid)
  def which_children(sup), do: :vigil.sup_op(:dyn_which_children, sup, nil)
  def count_children(sup), do: :vigil.sup_op(:dyn_count_children, sup, nil)
  def stop(sup, reason \\ :normal, timeout \\ :infinity), do: GenServer.stop(sup, reason, timeout)
end

)ELIXIR";

const char* const kPreludeTail = R"ELIXIR(
defmodule Task do
  defstruct [:mfa, :owner, :pid, :ref]

  def async(fun) do
    owner = self()
    {pid, ref} = :vigil.spawn_task(fn ->
      receive do
        {:"$vigil_task", ref} -> send(owner, {ref, Task.run(fun, owner, :task_async)})
      end
    end, true, true)
    send(pid, {:"$vigil_task", ref})
    %Task{pid: pid, ref: ref, owner: owner, mfa: {:erlang, :apply, 2}}
  end

  def async(mod, fun, args), do: async(fn -> apply(mod, fun, args) end)

  def run(fun, owner, frames) do
    case GenServer.safe_apply(:erlang, :apply, [fun, []]) do
      {:ok, v} -> v
      {:raised, kind, r, stack} ->
        stack = stack ++ :vigil.otp_frames(frames)
        if kind != :exit or not normal?(r) do
          :vigil.log_error("Task #{inspect(self())} started from #{inspect(owner)} terminating\n" <> :vigil.format_report(kind, r, stack) <> "Function: #{inspect(fun)}\n    Args: []")
        end
        :vigil.raise_exit(GenServer.exit_reason(kind, r, stack))
    end
  end

  defp normal?(:normal), do: true
  defp normal?(:shutdown), do: true
  defp normal?({:shutdown, _}), do: true
  defp normal?(_), do: false

  def await(task, timeout \\ 5000) do
    ref = task.ref
    receive do
      {^ref, reply} ->
        Process.demonitor(ref, [:flush])
        reply
      {:DOWN, ^ref, _, _, reason} ->
        exit({reason, {Task, :await, [task, timeout]}})
    after
      timeout ->
        Process.demonitor(ref, [:flush])
        exit({:timeout, {Task, :await, [task, timeout]}})
    end
  end

  def await_many(tasks, timeout \\ 5000), do: Enum.map(tasks, fn t -> await(t, timeout) end)

  def yield(task, timeout \\ 5000) do
    ref = task.ref
    receive do
      {^ref, reply} ->
        Process.demonitor(ref, [:flush])
        {:ok, reply}
      {:DOWN, ^ref, _, _, reason} -> {:exit, reason}
    after
      timeout -> nil
    end
  end

  def shutdown(task, _how \\ 5000) do
    Process.unlink(task.pid)
    Process.exit(task.pid, :kill)
    ref = task.ref
    receive do
      {^ref, reply} ->
        Process.demonitor(ref, [:flush])
        {:ok, reply}
      {:DOWN, ^ref, _, _, _} -> nil
    end
  end

  def start_link(fun) do
    owner = self()
    {pid, _} = :vigil.spawn_task(fn -> Task.run(fun, owner, :task) end, true, false)
    {:ok, pid}
  end
  def start_link(mod, fun, args), do: start_link(fn -> apply(mod, fun, args) end)

  def start(fun) do
    owner = self()
    {pid, _} = :vigil.spawn_task(fn -> Task.run(fun, owner, :task) end, false, false)
    {:ok, pid}
  end
  def start(mod, fun, args), do: start(fn -> apply(mod, fun, args) end)

  def child_spec(fun) do
    %{id: Task, start: {Task, :start_link, [fun]}, restart: :temporary}
  end
end

defmodule Agent do
  def start_link(fun, opts \\ []), do: GenServer.start_link(Agent.Server, fun, opts)
  def start(fun, opts \\ []), do: GenServer.start(Agent.Server, fun, opts)
  def get(agent, fun, timeout \\ 5000), do: GenServer.call(agent, {:get, fun}, timeout)
  def update(agent, fun, timeout \\ 5000), do: GenServer.call(agent, {:update, fun}, timeout)
  def get_and_update(agent, fun, timeout \\ 5000), do: GenServer.call(agent, {:get_and_update, fun}, timeout)
  def cast(agent, fun), do: GenServer.cast(agent, {:cast, fun})
  def stop(agent, reason \\ :normal, timeout \\ :infinity), do: GenServer.stop(agent, reason, timeout)
  def child_spec(arg), do: %{id: Agent, start: {Agent, :start_link, [arg]}}
end

defmodule Agent.Server do
  def init(fun), do: {:ok, fun.()}
  def handle_call({:get, fun}, _from, state), do: {:reply, run(fun, state, :handle_call, 3, 12), state}
  def handle_call({:update, fun}, _from, state), do: {:reply, :ok, run(fun, state, :handle_call, 3, 23)}
  def handle_call({:get_and_update, fun}, _from, state) do
    case run(fun, state, :handle_call, 3, 16) do
      {reply, new_state} -> {:reply, reply, new_state}
      other -> {:stop, {:bad_return_value, other}, state}
    end
  end
  def handle_cast({:cast, fun}, state), do: {:noreply, run(fun, state, :handle_cast, 2, 27)}

  # An error in the agent's function shows Elixir's Agent.Server frame under the function's own, as on the BEAM.
  defp run(fun, state, name, arity, line) do
    try do
      fun.(state)
    catch
      :error, reason ->
        frame = {Agent.Server, name, arity, [file: 'lib/agent/server.ex', line: line]}
        :erlang.raise(:error, reason, __STACKTRACE__ ++ [frame])
    end
  end
end
)ELIXIR";

std::string preludeText() { return std::string(kPreludeSource) + kPreludeSupervisors + kPreludeTail; }

} // namespace vigil::script
