using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace WorkflowControl.Api.Tests.Features.Collaborators;

public sealed class CollaboratorTests
{
    [Test]
    public async Task Nobody_grants_a_role_above_their_own()
    {
        var owner = await TestUser.SignUpAsync();
        var id = await owner.CreateWorkflowIdAsync();
        var manager = await TestUser.SignUpAsync();
        await owner.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = manager.Email, role = "manage" });
        var newcomer = await TestUser.SignUpAsync();

        var asOwner = await manager.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = newcomer.Email, role = "owner" });
        var asManager = await manager.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = newcomer.Email, role = "manage" });

        Assert.That(asOwner.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(asManager.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task The_owner_cannot_be_removed_or_demoted()
    {
        var owner = await TestUser.SignUpAsync();
        var id = await owner.CreateWorkflowIdAsync();
        var manager = await TestUser.SignUpAsync();
        await owner.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = manager.Email, role = "manage" });

        var remove = await manager.Client.DeleteAsync($"/workflows/{id}/collaborators/{owner.Id}");
        var demote = await manager.Client.PutAsJsonAsync($"/workflows/{id}/collaborators/{owner.Id}", new { role = "view" });

        Assert.That(remove.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(demote.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var list = await owner.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/collaborators");
        Assert.That(list.EnumerateArray().Single(c => c.GetProperty("userId").GetGuid() == owner.Id).GetProperty("role").GetString(), Is.EqualTo("owner"));
    }

    [Test]
    public async Task A_revoked_collaborator_no_longer_sees_the_workflow()
    {
        var owner = await TestUser.SignUpAsync();
        var id = await owner.CreateWorkflowIdAsync();
        var viewer = await TestUser.SignUpAsync();
        await owner.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = viewer.Email, role = "view" });
        Assert.That((await viewer.Client.GetAsync($"/workflows/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await owner.Client.DeleteAsync($"/workflows/{id}/collaborators/{viewer.Id}");

        Assert.That((await viewer.Client.GetAsync($"/workflows/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Organisation_members_share_its_workflows_with_their_member_role()
    {
        var admin = await TestUser.SignUpAsync();
        var org = await (await admin.Client.PostAsJsonAsync("/organisations", new { name = "Analytics" })).Content.ReadFromJsonAsync<JsonElement>();
        var orgId = org.GetProperty("id").GetGuid();
        var member = await TestUser.SignUpAsync();
        var added = await admin.Client.PostAsJsonAsync($"/organisations/{orgId}/members", new { email = member.Email, role = "execute" });
        Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var created = await admin.Client.PostAsync($"/workflows?organisationId={orgId}", TestUser.Json(Documents.Simple("Shared")));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var seen = await member.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}");
        var update = await WorkflowControl.Api.Tests.Features.Workflows.WorkflowCrudTests.Put(member, id, Documents.Simple("Nope"), "\"1\"");

        Assert.That(seen.GetProperty("role").GetString(), Is.EqualTo("execute"));
        Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
